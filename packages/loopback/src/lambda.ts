/**
 * The routes' real handlers, each bundled by esbuild as SST would and run in a worker thread of its
 * own with that function's own environment (its links as `SST_RESOURCE_*`, its region, credentials
 * of its own role), as Lambda would. With `watch`, a change to a handler's sources rebuilds it and
 * the next request runs the new code.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type BuildOptions, build, context as esbuildContext, version as esbuildVersion } from "esbuild";
import type { AppRoute } from "./app-model";
import type { CredentialStore } from "./identity-pool";
import type { Json } from "@iam-auth-api/infra-harness/evaluation";

export interface FunctionsOptions {
  routes: AppRoute[];
  region: string;
  /** Where the bundles go. */
  buildDir: string;
  /** The S3 endpoint the handlers' SDK clients call (the S3 double). */
  s3Endpoint: string;
  /** Where each function's credentials are registered, so the doubles know its role. */
  credentials: CredentialStore;
  watch?: boolean;
  /** A line about a rebuild or a handler's failure (with its stack). */
  log: (message: string) => void;
}

export interface Functions {
  /** The handler's answer; throws what the handler threw (the API double answers 500). */
  invoke(route: AppRoute, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2>;
  stop(): Promise<void>;
}

interface Runtime {
  worker: Worker;
  /** Invocations in flight on this worker, by id. */
  pending: Map<string, { resolve(value: Json): void; reject(error: Error): void }>;
}

interface Running {
  runtime: Runtime | undefined;
  bundle: string;
  env: Record<string, string>;
}

export class HandlerError extends Error {}

export async function startFunctions(options: FunctionsOptions): Promise<Functions> {
  await mkdir(options.buildDir, { recursive: true });
  const running = new Map<string, Running>();
  const watchers: Array<{ dispose(): Promise<void> }> = [];
  await Promise.all(
    options.routes.map(async (route) => {
      const fn: Running = {
        runtime: undefined,
        bundle: join(options.buildDir, `${route.functionId}.mjs`),
        env: functionEnvironment(route, options),
      };
      running.set(route.functionId, fn);
      if (!options.watch) {
        fn.bundle = await sharedBuild(route);
        return;
      }
      const buildOptions = bundleOptions(route, fn.bundle);
      // esbuild's watch mode builds once at the start, then after every change to an input.
      let firstBuild: () => void = () => {};
      const built = new Promise<void>((resolve) => (firstBuild = resolve));
      let first = true;
      const watcher = await esbuildContext({
        ...buildOptions,
        plugins: [
          {
            name: "restart-on-rebuild",
            setup(build) {
              build.onEnd((result) => {
                if (first) {
                  first = false;
                  return firstBuild();
                }
                if (result.errors.length)
                  return options.log(`${route.routeKey}: the rebuild failed, so the last build still answers`);
                stopWorker(fn);
                options.log(`${route.routeKey}: rebuilt after a change to its sources`);
              });
            },
          },
        ],
      });
      await watcher.watch();
      await built;
      watchers.push(watcher);
    }),
  );
  return {
    invoke: (route, event) => invoke(running.get(route.functionId)!, route, event),
    stop: async () => {
      await Promise.all(watchers.map((watcher) => watcher.dispose()));
      await Promise.all([...running.values()].map((fn) => fn.runtime?.worker.terminate()));
    },
  };
}

/** Where handlers' bundles are kept between processes. */
const BUILDS = join(tmpdir(), "iam-api-functions");

/**
 * A handler bundled once for every test file and run. esbuild's own record of what it read (the
 * metafile) names the build's inputs; the bundle is found again only while each input, the
 * package.json and tsconfig.json nearest to it, the build's options and esbuild's version are as they
 * were. A finished build is moved into place whole, so parallel files never see half of one.
 */
async function sharedBuild(route: AppRoute): Promise<string> {
  const name = `${route.functionId}.mjs`;
  const options = bundleOptions(route, name);
  const key = createHash("sha256").update(esbuildVersion).update(JSON.stringify(options)).digest("hex").slice(0, 16);
  const inputsFile = join(BUILDS, `${key}.inputs.json`);
  const recorded: string[] | undefined = await readFile(inputsFile, "utf8").then(JSON.parse, () => undefined);
  if (recorded) {
    const bundle = join(BUILDS, `${key}-${await contentsKey(recorded)}`, name);
    if (existsSync(bundle)) return bundle;
  }
  await mkdir(BUILDS, { recursive: true });
  // The same depth as the final folder, so the source map's relative paths hold once it is moved.
  const staging = await mkdtemp(join(BUILDS, `${key}-`));
  try {
    const { metafile } = await build({ ...options, outfile: join(staging, name), metafile: true });
    const inputs = Object.keys(metafile!.inputs)
      .map((input) => resolve(input))
      // The runtime stand-in is named after a file that does not exist: its contents are in the options.
      .filter((input) => input !== resolve(options.stdin!.resolveDir!, options.stdin!.sourcefile!));
    const target = join(BUILDS, `${key}-${await contentsKey(inputs)}`);
    await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
    const partial = `${inputsFile}.${process.pid}`;
    await writeFile(partial, JSON.stringify(inputs));
    await rename(partial, inputsFile);
    return join(target, name);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** A hash of the build's input files and the package.json and tsconfig.json nearest to each (a missing one counts). */
async function contentsKey(inputs: string[]): Promise<string> {
  const files = new Set(inputs);
  const nearestByFolder = new Map<string, string>();
  for (const input of inputs)
    for (const name of ["package.json", "tsconfig.json"]) files.add(nearest(dirname(input), name, nearestByFolder));
  const hash = createHash("sha256");
  // Read one after another: for the SDK's 580 files, a third of the CPU that reading them all at once costs.
  for (const file of [...files].sort()) {
    let content: Buffer | string;
    try {
      content = readFileSync(file);
    } catch {
      content = "(missing)";
    }
    hash.update(file).update("\0").update(content).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** The file named `name` in `folder` or the closest folder above it that has one (found before: `known`). */
function nearest(folder: string, name: string, known: Map<string, string>): string {
  const key = `${folder}\0${name}`;
  let found = known.get(key);
  if (found === undefined) {
    const candidate = join(folder, name);
    found = existsSync(candidate) || dirname(folder) === folder ? candidate : nearest(dirname(folder), name, known);
    known.set(key, found);
  }
  return found;
}

function bundleOptions(route: AppRoute, outfile: string): BuildOptions {
  const source = JSON.stringify(route.file);
  return {
    stdin: {
      resolveDir: join(route.file, ".."),
      sourcefile: `${route.functionId}-runtime.ts`,
      loader: "ts",
      // A stand-in for Lambda's Node.js runtime: one event at a time from the parent, the handler's answer back.
      contents: [
        `import { parentPort } from "node:worker_threads";`,
        `import * as handlerModule from ${source};`,
        `const handler = handlerModule[${JSON.stringify(route.exportName)}];`,
        `parentPort.on("message", async ({ id, event, context }) => {`,
        `  try {`,
        `    parentPort.postMessage({ id, result: await handler(event, { ...context, getRemainingTimeInMillis: () => 10000 }) });`,
        `  } catch (error) {`,
        `    parentPort.postMessage({ id, error: { message: String(error?.message ?? error), stack: String(error?.stack ?? error) } });`,
        `  }`,
        `});`,
      ].join("\n"),
    },
    bundle: true,
    outfile,
    format: "esm",
    platform: "node",
    target: "node22",
    sourcemap: "inline",
    // Some dependencies are CommonJS and call require(): give the ES module bundle one.
    banner: {
      js: `import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);`,
    },
    logLevel: "silent",
  };
}

/** What Lambda and SST put in the function's environment, plus credentials of the function's own role and the S3 double's address. */
function functionEnvironment(route: AppRoute, options: FunctionsOptions): Record<string, string> {
  const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString("base64");
  const sessionToken = randomBytes(60).toString("base64");
  options.credentials.set(accessKeyId, {
    secretAccessKey,
    sessionToken,
    expiresAt: Number.MAX_SAFE_INTEGER,
    caller: { kind: "function", functionId: route.functionId },
  });
  return {
    PATH: process.env.PATH ?? "",
    ...route.environment,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: route.functionId,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
    AWS_ENDPOINT_URL_S3: options.s3Endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    NODE_OPTIONS: "--enable-source-maps",
  };
}

function startRuntime(fn: Running): Runtime {
  const worker = new Worker(fn.bundle, { env: fn.env, execArgv: ["--enable-source-maps"] });
  const runtime: Runtime = { worker, pending: new Map() };
  worker.unref();
  const failAll = (error: Error) => {
    for (const call of runtime.pending.values()) call.reject(error);
    runtime.pending.clear();
    if (fn.runtime === runtime) fn.runtime = undefined;
  };
  worker.on("message", ({ id, result, error }) => {
    const call = runtime.pending.get(id);
    runtime.pending.delete(id);
    if (runtime.pending.size === 0) worker.unref();
    if (!call) return;
    if (error) {
      const failure = new HandlerError(error.message);
      failure.stack = error.stack;
      call.reject(failure);
    } else call.resolve(result);
  });
  worker.on("error", failAll);
  worker.on("exit", () => failAll(new HandlerError("The function's runtime exited")));
  return runtime;
}

function stopWorker(fn: Running): void {
  const runtime = fn.runtime;
  fn.runtime = undefined;
  // Requests in flight finish on the old code; the next one starts the new build.
  if (runtime) setTimeout(() => runtime.worker.terminate(), 10_000).unref();
}

function invoke(
  fn: Running,
  route: AppRoute,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  fn.runtime ??= startRuntime(fn);
  const runtime = fn.runtime;
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    runtime.pending.set(id, { resolve, reject });
    runtime.worker.ref();
    runtime.worker.postMessage({ id, event, context: { functionName: route.functionId, awsRequestId: id } });
  });
}
