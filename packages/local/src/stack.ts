/**
 * What `npm start` serves once its command line and ports are known good: the loopback doubles for
 * the app's evaluation, the emailed codes, the web client on Vite, the outputs file and the banner.
 * Loaded by main.ts only then (the doubles, s3rver and the IAM simulator take most of a second to
 * load), so that bad input answers at once.
 */
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { basename, dirname, join, relative } from "node:path";
import { writeFile } from "node:fs/promises";
import { LOCAL_OUTPUTS_FILE } from "@iam-auth-api/cli/outputs";
import { DEV_SERVER_ORIGIN, DEV_SERVER_PORT } from "@iam-auth-api/client/dev-server";
import { clientSettings, viteVariables } from "@iam-auth-api/client/settings";
import type { Evaluation } from "@iam-auth-api/infra-harness/evaluation";
import { type Loopback, REPOSITORY_ROOT, startLoopback } from "@iam-auth-api/loopback/loopback";
import type { ViteDevServer } from "vite";
import { serviceStopped } from "./messages";
import type { SERVICE_PORTS, StartOptions } from "./options";

/** Where the local data is kept without --data-dir: .sst/local, beside the outputs `iam-api --local` reads. */
export const DEFAULT_DATA_DIR = join(REPOSITORY_ROOT, dirname(LOCAL_OUTPUTS_FILE));

export interface Stack {
  loopback: Loopback;
  codes: Server;
  codesUrl: string;
  web: ViteDevServer | undefined;
}

export async function startStack(
  evaluation: Evaluation,
  dataDir: string,
  ports: Record<keyof typeof SERVICE_PORTS, number>,
  options: StartOptions,
  crash: (reason: string) => void,
): Promise<Stack> {
  // Vite takes about a CPU second to load: loaded while the doubles start (cognito-local's own start is most of their wait).
  const vite = options.web ? import("vite") : undefined;
  vite?.catch(() => undefined);
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
    const web = vite ? await startWeb(loopback, await vite) : undefined;
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
async function startWeb(loopback: Loopback, vite: typeof import("vite")): Promise<ViteDevServer> {
  const root = dirname(createRequire(import.meta.url).resolve("@iam-auth-api/web/package.json"));
  Object.assign(process.env, {
    ...viteVariables(clientSettings(loopback.outputs)),
    VITE_TEST_ENDPOINT_COGNITO_IDP: loopback.endpoints.cognitoIdp,
    VITE_TEST_ENDPOINT_COGNITO_IDENTITY: loopback.endpoints.cognitoIdentity,
    VITE_TEST_ENDPOINT_S3: loopback.endpoints.s3,
  });
  const server = await vite.createServer({
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
export async function writeOutputs(dataDir: string, stack: Stack): Promise<string> {
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

export function printReady(stack: Stack, outputsFile: string, options: StartOptions): void {
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

export async function stopStack(stack: Stack): Promise<void> {
  await stack.web?.close().catch(() => {});
  await new Promise((resolve) => {
    stack.codes.close(resolve);
    stack.codes.closeAllConnections();
  });
  await stack.loopback.stop();
}
