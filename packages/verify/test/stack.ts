/**
 * A stage for `npm run verify` to check, on loopback: the doubles answering CORS as infra/
 * configures it (the offline evaluation's, with the site's address where the test serves the page),
 * the web client's index.html as the site, an outputs file with the seven outputs, and the
 * environment a user's shell would have (AWS credentials, no cache, the doubles' endpoints).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TEST_ENDPOINT_ENV, TEST_RETRY_BASE_ENV } from "@iam-auth-api/cli/test-settings";
import { infraCors } from "@iam-auth-api/infra-harness/cors";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import type { Evaluation } from "@iam-auth-api/infra-harness/evaluation";
import { siteHeadersOf } from "@iam-auth-api/infra-harness/site-headers";
import { clientSettings, type OutputName, viteVariables } from "@iam-auth-api/client/settings";
import { pageContentSecurityPolicy, pageEndpoints } from "@iam-auth-api/client/site-security";
import type { LoopbackCors } from "@iam-auth-api/loopback/cors";
import { type ProgramResult, runInThisProcess } from "@iam-auth-api/loopback/in-process";
import { type Loopback, startLoopback } from "@iam-auth-api/loopback/loopback";
import { TEST_SETTLE_ENV } from "../src/settle";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface VerifyResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LocalStage {
  loopback: Loopback;
  /** The CORS configuration the doubles answer with (live: a test may change it). */
  cors: LoopbackCors;
  outputsFile: string;
  home: string;
  /** The environment of a user's shell with AWS credentials: the doubles' endpoints, quick retries. */
  env: Record<string, string>;
  /**
   * `npm run verify -- --local` as in a project where the local stack wrote `.sst/local/outputs.json`
   * (the outputs, the site, and the doubles' endpoints under `Endpoints`): no endpoint variables set.
   */
  verifyLocal(): Promise<VerifyResult>;
  /**
   * `npm run verify -- <args>` in this process: verify's `main` (src/cli.ts) with this stage's
   * environment (plus `env`), from `home` (where the outputs file is: `--outputs outputs.json` as a
   * user types it), as src/main.ts runs it. The process itself (npm's script, the exit status,
   * Ctrl-C) is `verifyLocal`'s, `npmRunVerify`'s and `start`'s to prove.
   */
  verify(args: string[], env?: Record<string, string | undefined>): Promise<ProgramResult>;
  /** `npm run verify -- <args>` itself, as a user types it. */
  npmRunVerify(args: string[]): Promise<VerifyResult>;
  /**
   * What the npm script runs (`node --import tsx packages/verify/src/main.ts`), started in its own
   * process group: for a test that interrupts it. (npm itself exits at once on Ctrl-C, while verify goes on to clean up.)
   */
  start(args: string[]): ReturnType<typeof spawn>;
  stop(): Promise<void>;
}

/** `alter` makes the stage wrong on purpose: it gets the app's offline evaluation (a copy) and returns what the doubles serve. */
export async function startLocalStage(
  alter: (evaluation: Evaluation) => Evaluation = (same) => same,
  { secureSite = true }: { secureSite?: boolean } = {},
): Promise<LocalStage> {
  const evaluation = alter(structuredClone(await evaluate({ stage: "dev" })));
  const site = await serveSite(evaluation, secureSite);
  const cors = withSiteAt(await infraCors("dev"), evaluation.outputs.Web as string, site.url);
  const loopback = await startLoopback({ evaluation, cors });
  site.serveFor(loopback.outputs);
  const home = await mkdtemp(join(tmpdir(), "iam-api-verify-"));
  const outputsFile = join(home, "outputs.json");
  await writeFile(outputsFile, JSON.stringify({ ...loopback.outputs, Web: site.url }, null, 2));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_ACCESS_KEY_ID: "AKIDLOCAL",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    [TEST_RETRY_BASE_ENV]: "20",
    [TEST_SETTLE_ENV]: "2000",
    ...loopback.env,
  };
  const spawnOptions = (extra: Record<string, string | undefined>) => ({
    cwd: REPO_ROOT,
    env: withoutUndefined({ ...env, ...extra }),
    stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const script = (
    JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { verify: string } }
  ).scripts.verify.split(" ");
  const runScript = (args: string[], options: ReturnType<typeof spawnOptions>) =>
    spawn(script[0] === "node" ? process.execPath : script[0], [...script.slice(1), ...args], options);
  const verifyLocal = async () => {
    const project = join(home, "project");
    await mkdir(join(project, ".sst/local"), { recursive: true });
    await writeFile(
      join(project, ".sst/local/outputs.json"),
      JSON.stringify({ ...loopback.outputs, Web: site.url, Endpoints: loopback.endpoints }, null, 2),
    );
    const withoutEndpoints = Object.fromEntries(Object.values(TEST_ENDPOINT_ENV).map((name) => [name, undefined]));
    // The npm script's command, run from that project: tsx's loader and verify's entry by absolute path.
    const entry = script.at(-1)!;
    return collect(
      spawn(
        process.execPath,
        [
          "--import",
          pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href,
          join(REPO_ROOT, entry),
          "--local",
        ],
        { ...spawnOptions(withoutEndpoints), cwd: project },
      ),
    );
  };
  return {
    loopback,
    verifyLocal,
    cors,
    outputsFile,
    home,
    env,
    start: (args) => runScript(args, spawnOptions({})),
    verify: (args, extra = {}) => runInThisProcess(loadVerify, args, { cwd: home, env: { ...env, ...extra } }),
    npmRunVerify: (args) => collect(spawn("npm", ["run", "--silent", "verify", "--", ...args], spawnOptions({}))),
    stop: async () => {
      await loopback.stop();
      await site.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

const loadVerify = async () => (await import("../src/cli")).main;

/** The evaluation's CORS with the site's deployed address replaced by the one this test serves it at. */
export function withSiteAt(cors: LoopbackCors, evaluated: string, served: string): LoopbackCors {
  const swap = (origins: string[] = []) => origins.map((origin) => (origin === evaluated ? served : origin));
  return {
    api: { ...cors.api, allowOrigins: swap(cors.api.allowOrigins) },
    bucket: cors.bucket.map((rule) => ({ ...rule, allowedOrigins: swap(rule.allowedOrigins) })),
  };
}

/** packages/web's index.html on a loopback port, as a site without security headers serves it. */
/**
 * The site as a deploy serves it: the web client's index.html with the CSP <meta> a build for
 * `outputs` writes (client/src/site-security.ts, as packages/web/vite.config.ts uses it), and the
 * headers infra/'s response headers policy makes CloudFront send; `secure: false` serves neither.
 */
async function serveSite(
  evaluation: Evaluation,
  secure: boolean,
): Promise<{ url: string; serveFor(outputs: Record<OutputName, string>): void; close(): Promise<void> }> {
  const web = dirname(createRequire(import.meta.url).resolve("@iam-auth-api/web/package.json"));
  const source = await readFile(join(web, "index.html"), "utf8");
  const headers = secure ? siteHeadersOf(evaluation) : {};
  let page = source;
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { ...headers, "content-type": "text/html" });
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serveFor: (outputs) => {
      const csp = pageContentSecurityPolicy(pageEndpoints(viteVariables(clientSettings(outputs))));
      page = secure
        ? source.replace("<head>", `<head>\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`)
        : source;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function collect(child: ReturnType<typeof spawn>): Promise<VerifyResult> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<string, string>;
}
