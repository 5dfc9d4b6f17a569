// Every line `npm start` prints about bad input or a fault: one sentence that says what to do.

export const usage = `Usage: npm start -- [options]

Runs the app on 127.0.0.1 with no AWS account: the user pool, identity pool, API, S3 and the web client.

Options:
  --reset            empty .sst/local (users, identities, files) before starting
  --port <base>      the services' ports: <base> to <base>+4 (default 4700)
  --data-dir <dir>   keep the local data in <dir> instead of .sst/local
  --config <file>    evaluate another SST config than sst.config.ts (relative to the repository root)
  --no-web           do not start the web client's Vite server (http://localhost:5173)
  -h, --help         this help`;

export const badOption = (message: string) => `${message}: see \`npm start -- --help\`.`;

export const badPort = (value: string) =>
  `--port ${value} is not a port: give the first of five free ports, e.g. --port 4700 (see \`npm start -- --help\`).`;

export const swallowedByNpm = (option: string) =>
  `npm took ${option.split(" ")[0]} for itself and did not pass it on: put npm start's options after --, as in \`npm start -- ${option}\`.`;

export const portBusy = (port: number, service: string, fix: string) =>
  `Port ${port} (${service}) is in use, perhaps by another npm start: stop it, or ${fix}.`;

export const evaluationFailed = (message: string) =>
  `The app's infrastructure did not evaluate, so there is nothing to serve: ${message}`;

export const serviceStopped = (service: string, reason: string) =>
  `${service} stopped (${reason}): every other local service is stopped too; run npm start again.`;
