/**
 * `npm start`: the app on 127.0.0.1 with no AWS account. It evaluates sst.config.ts and infra/ offline
 * for the `local` stage and serves what that evaluation configures with the loopback doubles (the same
 * ones the tests use), keeps their data in .sst/local/, writes the outputs to .sst/local/outputs.json,
 * and runs the web client on Vite against them.
 */
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { basename, dirname, join, relative, resolve } from "node:path";
import { LOCAL_OUTPUTS_FILE } from "@iam-auth-api/cli/outputs";
import { DEV_SERVER_ORIGIN, DEV_SERVER_PORT } from "@iam-auth-api/client/dev-server";
import { clientSettings, viteVariables } from "@iam-auth-api/client/settings";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { type Loopback, REPOSITORY_ROOT, startLoopback } from "@iam-auth-api/loopback/loopback";
import type { ViteDevServer } from "vite";
import { evaluationFailed, portBusy, serviceStopped, usage } from "./messages";
import { parseOptions, SERVICE_PORTS, type StartOptions, UsageError } from "./options";

export const LOCAL_STAGE = "local";

interface Stack {
  loopback: Loopback;
  codes: Server;
  codesUrl: string;
  web: ViteDevServer | undefined;
}

/** Runs until Ctrl-C (SIGINT), SIGTERM, SIGHUP or a crashed service; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: StartOptions;
  try {
    options = parseOptions(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const ports = servicePorts(options.portBase);
  const busy = await firstBusyPort(ports, options.web);
  if (busy) {
    process.stderr.write(`npm start: ${busy}\n`);
    return 2;
  }
  const dataDir = resolve(options.dataDir ?? join(REPOSITORY_ROOT, ".sst/local"));
  if (options.reset) await rm(dataDir, { recursive: true, force: true });
  await keepPrivate(dataDir);

  const stopped = stopSignal();
  const evaluation = await Promise.race([
    evaluate({ stage: LOCAL_STAGE, ...(options.config && { config: options.config }) }).catch((error: Error) => error),
    stopped.promise.then(() => undefined),
  ]);
  // Ctrl-C reaches the evaluation's process too (one process group): stopped, not failed.
  if (!evaluation || stopped.requested()) return 0;
  if (evaluation instanceof Error) {
    process.stderr.write(`npm start: ${evaluationFailed(evaluation.message)}\n`);
    return 1;
  }
  // The ports were free before the evaluation (seconds ago); something may have taken one since.
  const stack = await startStack(evaluation, dataDir, ports, options, stopped.crash).catch(async (error: Error) => {
    const taken = await firstBusyPort(ports, options.web);
    if (!taken) throw error;
    process.stderr.write(`npm start: ${taken}\n`);
    return undefined;
  });
  if (!stack) return 2;
  const outputsFile = await writeOutputs(dataDir, stack);
  if (!stopped.requested()) printReady(stack, outputsFile, options);
  const reason = await stopped.promise;
  if (reason) process.stderr.write(`npm start: ${reason}\n`);
  await stopStack(stack);
  // Stopped: `iam-api --local` then says to start the stack, instead of failing to connect.
  await rm(outputsFile, { force: true });
  return reason ? 1 : 0;
}

/**
 * The local data holds password verifiers, refresh tokens and secret keys: every file this process and
 * its children (cognito-local, S3) create is 0600 in 0700 directories, as the CLI's own cache; a data
 * directory left readable by an older run is closed too.
 */
async function keepPrivate(dataDir: string): Promise<void> {
  process.umask(0o077);
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o700);
}

function servicePorts(base: number): Record<keyof typeof SERVICE_PORTS, number> {
  return Object.fromEntries(
    Object.entries(SERVICE_PORTS).map(([service, { offset }]) => [service, base + offset]),
  ) as Record<keyof typeof SERVICE_PORTS, number>;
}

/** The first port this run needs that something else holds, as the line to print. */
async function firstBusyPort(
  ports: Record<keyof typeof SERVICE_PORTS, number>,
  web: boolean,
): Promise<string | undefined> {
  for (const [service, port] of Object.entries(ports)) {
    if (await inUse(port))
      return portBusy(
        port,
        SERVICE_PORTS[service as keyof typeof SERVICE_PORTS].name,
        "pick other ports with --port <base>",
      );
  }
  if (web && (await inUse(DEV_SERVER_PORT)))
    return portBusy(DEV_SERVER_PORT, "the web client's Vite server", "start without it with --no-web");
  return undefined;
}

function inUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/** Resolves with undefined on Ctrl-C, SIGTERM or SIGHUP, with the reason when a service crashed. */
function stopSignal(): {
  promise: Promise<string | undefined>;
  requested(): boolean;
  crash(reason: string): void;
} {
  let settle: (reason: string | undefined) => void = () => {};
  let requested = false;
  const promise = new Promise<string | undefined>((resolve) => (settle = resolve));
  // SIGHUP: the terminal was closed, which must stop the stack as Ctrl-C does.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(signal, () => {
      requested = true;
      settle(undefined);
    });
  return { promise, requested: () => requested, crash: (reason) => settle(reason) };
}

async function startStack(
  evaluation: Awaited<ReturnType<typeof evaluate>>,
  dataDir: string,
  ports: Record<keyof typeof SERVICE_PORTS, number>,
  options: StartOptions,
  crash: (reason: string) => void,
): Promise<Stack> {
  const loopback = await startLoopback({
    evaluation,
    dataDir,
    ports,
    watch: true,
    log: (message) => process.stderr.write(`${message}\n`),
    onCode: (email, code, reason) => process.stdout.write(`Emailed ${email} a ${reason} code: ${code}\n`),
    onCrash: (_service, reason) => crash(serviceStopped("The user pool", reason)),
  });
  let codes: Server | undefined;
  try {
    codes = await serveCodes(loopback, ports.codes);
    const web = options.web ? await startWeb(loopback) : undefined;
    return { loopback, codes, codesUrl: `http://127.0.0.1:${(codes.address() as AddressInfo).port}/codes`, web };
  } catch (error) {
    await new Promise((resolve) => (codes ? codes.close(resolve) : resolve(undefined)));
    await loopback.stop();
    throw error;
  }
}

/** `GET /codes/<email>`: the latest code the user pool emailed to that address, for scripts. */
async function serveCodes(loopback: Loopback, port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    const email = decodeURIComponent(/^\/codes\/([^/?]+)$/.exec(request.url ?? "")?.[1] ?? "");
    const code = email ? await loopback.confirmationCode(email).catch(() => undefined) : undefined;
    response.writeHead(code ? 200 : 404, { "content-type": "application/json" });
    response.end(
      JSON.stringify(
        code
          ? { email, code }
          : {
              message: `No code was emailed to ${email || "that address"}: GET /codes/<email> after a sign-up, resend or reset.`,
            },
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return server;
}

/** Vite's dev server for packages/web (hot reload), built against the local stack: no .env.local to write. */
async function startWeb(loopback: Loopback): Promise<ViteDevServer> {
  const root = dirname(createRequire(import.meta.url).resolve("@iam-auth-api/web/package.json"));
  Object.assign(process.env, {
    ...viteVariables(clientSettings(loopback.outputs)),
    VITE_TEST_ENDPOINT_COGNITO_IDP: loopback.endpoints.cognitoIdp,
    VITE_TEST_ENDPOINT_COGNITO_IDENTITY: loopback.endpoints.cognitoIdentity,
    VITE_TEST_ENDPOINT_S3: loopback.endpoints.s3,
  });
  const { createServer: createViteServer } = await import("vite");
  const server = await createViteServer({
    root,
    configFile: join(root, "vite.config.ts"),
    clearScreen: false,
    logLevel: "warn",
    server: { host: "127.0.0.1", port: DEV_SERVER_PORT, strictPort: true },
  });
  await server.listen();
  return server;
}

/** The outputs as `sst dev` writes them (its seven keys), plus the local endpoints the CLI's `--local` reads. */
async function writeOutputs(dataDir: string, stack: Stack): Promise<string> {
  // .sst/local/outputs.json by default, where `npx iam-api --local` looks (LOCAL_OUTPUTS_FILE).
  const file = join(dataDir, basename(LOCAL_OUTPUTS_FILE));
  const outputs = {
    ...Object.fromEntries(Object.entries(stackOutputs(stack)).sort(([a], [b]) => a.localeCompare(b))),
    Endpoints: { ...stack.loopback.endpoints, codes: stack.codesUrl },
  };
  await writeFile(file, `${JSON.stringify(outputs, null, 2)}\n`);
  return file;
}

function stackOutputs(stack: Stack): Record<string, string> {
  return { ...stack.loopback.outputs, Web: DEV_SERVER_ORIGIN };
}

function printReady(stack: Stack, outputsFile: string, options: StartOptions): void {
  const outputs = stackOutputs(stack);
  const shown = outputsFile.startsWith(process.cwd()) ? relative(process.cwd(), outputsFile) : outputsFile;
  // `--local` reads .sst/local/outputs.json only: the outputs of another --data-dir are named.
  const stackOption = outputsFile === join(REPOSITORY_ROOT, LOCAL_OUTPUTS_FILE) ? "--local" : `--outputs ${shown}`;
  const lines = [
    ...Object.keys(outputs)
      .sort()
      .map((name) => `${name}: ${outputs[name]}${name === "Web" && !options.web ? " (not started: --no-web)" : ""}`),
    "",
    `User pool ${stack.loopback.endpoints.cognitoIdp}, identity pool ${stack.loopback.endpoints.cognitoIdentity}, S3 ${stack.loopback.endpoints.s3}; emailed codes also at ${stack.codesUrl}/<email>`,
    `Outputs in ${shown}; the CLI: npx iam-api ${stackOption} <command>. Ctrl-C stops everything.`,
    `Ready. Emailed codes appear below.`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

async function stopStack(stack: Stack): Promise<void> {
  await stack.web?.close().catch(() => {});
  await new Promise((resolve) => {
    stack.codes.close(resolve);
    stack.codes.closeAllConnections();
  });
  await stack.loopback.stop();
}
