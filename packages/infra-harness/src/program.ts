// Runs inside the child process that `evaluate()` starts, bundled by esbuild together with
// sst.config.ts, infra/ and SST's own `auto/run.ts`, the way the SST CLI bundles an app.
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import * as pulumi from "@pulumi/pulumi";
import {
  type Json,
  type Build,
  type Evaluation,
  type PlannedResource,
  resourceKey,
  type Scenario,
  UNSERIALIZED_PROVIDER,
} from "./evaluation";
import { resolveHandler } from "./handlers";
import { computedOutputs, invokeResult } from "./mocks";

interface SstConfig {
  app(input: { stage: string }): { name: string; removal?: "remove" | "retain" | "retain-all"; protect?: boolean };
  run(): Promise<Record<string, unknown> | undefined>;
}

/** The bundle's modules, imported only once the globals they read on load exist. */
interface AppModules {
  config: () => Promise<{ default: SstConfig }>;
  namespaces: () => Promise<{ sst: unknown; aws: unknown }>;
  platform: () => Promise<{ run: (program: () => Promise<Json>) => Promise<Record<string, unknown>> }>;
}

export interface ProgramContext {
  scenario: Scenario;
  root: string;
  platform: string;
  /** A temp directory of the caller's, removed by it: SST's work dir (code zips, build output). */
  scratch: string;
  resultFile: string;
  /** The whole environment the program sees, as `sst` would give it for this stage (evaluate.ts). */
  env: Record<string, string>;
}

/** Gives the program exactly the scenario's environment, whatever an earlier scenario in this process had. */
function replaceEnvironment(env: Record<string, string>) {
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
}

/**
 * Stands in for the SST CLI's JSON-RPC server. `Runtime.Build` refuses a handler whose file does not
 * exist, as the real build does, and hands back an empty bundle directory to zip.
 */
async function startRpcServer(root: string, work: string, builds: Build[]): Promise<Server> {
  const methods: Record<string, (args: Json) => Promise<unknown>> = {
    "Provider.Aws.Bootstrap": async ({ region }) => ({
      asset: `sst-asset-${region}-example`,
      assetEcrRegistryId: "123456789012",
      assetEcrUrl: `123456789012.dkr.ecr.${region}.amazonaws.com/sst-asset`,
      state: `sst-state-${region}-example`,
      appsyncHttp: "",
      appsyncRealtime: "",
    }),
    "Runtime.Build": async (input) => {
      const handler: string = input.handler;
      builds.push({
        functionID: input.functionID,
        handler,
        runtime: input.runtime,
        architecture: input.properties?.architecture,
        links: input.links ?? {},
      });
      if (!resolveHandler(root, handler).file) {
        return { handler, out: "", errors: [`Could not resolve the file of handler "${handler}"`], sourcemaps: [] };
      }
      return { handler, out: await mkdtemp(join(work, "build-")), errors: [], sourcemaps: [] };
    },
  };
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", async () => {
      const { method, params } = JSON.parse(body);
      const handle = methods[method];
      const reply = handle
        ? await handle(params[0]).then(
            (result) => ({ result, error: null }),
            (error: Error) => ({ result: null, error: error.message }),
          )
        : { result: null, error: `rpc: can't find service ${method}` };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Secrets reach the mocks wrapped in Pulumi's wire marker; the tests judge the value itself. */
function revealSecrets(value: Json): Json {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value === null || typeof value !== "object") return value;
  if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return revealSecrets(value.value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, revealSecrets(item)]));
}

const describeParent = (parent: pulumi.Resource | undefined) =>
  parent && resourceKey({ type: (parent as Json).__pulumiType, name: (parent as Json).__name });

/** How long a refused scenario's leftover RPCs may take to settle before the process is given up for the next one. */
const SETTLE_MS = 10_000;

/** Resolves once nothing more is registered: the count stops changing while Pulumi's RPCs drain. */
async function drain(registered: Map<string, PlannedResource>) {
  const waitForRPCs: () => Promise<void> = (pulumi.runtime as Json).waitForRPCs;
  let count = -1;
  while (count !== registered.size) {
    count = registered.size;
    await waitForRPCs();
  }
}

/**
 * Evaluates the app for one scenario under Pulumi mocks and writes the Evaluation as JSON, or the
 * program's first error (as `sst deploy` would print it) and the builds it asked for beside it.
 * Runs once per scenario in a process that evaluates several (evaluate.ts), each with a fresh copy
 * of the app's and SST's modules; Pulumi's runtime is the process's, reset by `setMocks`. Returns
 * whether the process is fit for the next scenario.
 */
export async function evaluateProgram(modules: AppModules, context: ProgramContext): Promise<boolean> {
  const builds: Build[] = [];
  const unhandled: unknown[] = [];
  let rejected: (error: unknown) => void = () => {};
  // An error thrown inside `.apply()` is an unhandled rejection that would leave the run hanging.
  const failure = new Promise<never>((_, reject) => (rejected = reject));
  failure.catch(() => {});
  const onUnhandled = (error: unknown) => {
    unhandled.push(error);
    rejected(error);
  };
  process.on("unhandledRejection", onUnhandled);
  replaceEnvironment(context.env);
  const registered = new Map<string, PlannedResource>();
  const server = await startRpcServer(context.root, context.scratch, builds);
  const state: RunState = { server, registered, builds, failure, programFailed: false };
  try {
    const evaluation = await runProgram(modules, context, state);
    await writeFile(context.resultFile, JSON.stringify(evaluation));
    return true;
  } catch (error) {
    // The handlers the build looked for: a cached failure holds only while they resolve as they did (evaluate.ts).
    await writeFile(`${context.resultFile}.error`, String((error as Error)?.message ?? error));
    await writeFile(`${context.resultFile}.builds`, JSON.stringify(builds));
    // An error inside `.apply()` leaves outputs that never settle: the next scenario gets a new process.
    if (!state.programFailed) return false;
    // What the program started before it threw is still being registered, and Pulumi's own promises
    // reject again with its error: let all of that happen now, not during the next scenario.
    const settled = await Promise.race([drain(registered).then(() => true), setTimeout(SETTLE_MS, false)]);
    await setTimeout(0);
    // Any other error is one this process may still be settling: the next scenario gets a new one.
    return settled && unhandled.every((other) => other === error);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    server.close();
  }
}

/** What one scenario's run shares with `evaluateProgram`. */
interface RunState {
  /** The stand-in for the SST CLI's RPC server. */
  server: Server;
  /** Every resource the program registered, by `type::name`. */
  registered: Map<string, PlannedResource>;
  /** The Lambda builds the program asked the RPC server for. */
  builds: Build[];
  /** Rejects with the first error raised inside `.apply()`. */
  failure: Promise<never>;
  /** Whether the program itself threw, rather than only something inside `.apply()`. */
  programFailed: boolean;
}

async function runProgram(modules: AppModules, context: ProgramContext, state: RunState): Promise<Evaluation> {
  const { server, registered, builds, failure } = state;
  const { scenario, root, platform } = context;
  const work = context.scratch;
  process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { default: config } = await modules.config();
  const app = { removal: "retain" as const, protect: false, ...config.app({ stage: scenario.stage }) };
  Object.assign(globalThis, {
    $app: { name: app.name, stage: scenario.stage, removal: app.removal, protect: app.protect, providers: {} },
    $dev: false,
    $cli: {
      command: "deploy",
      rpc: process.env.SST_SERVER,
      paths: { home: work, root, work, platform },
      state: { version: {} },
    },
  });
  const { sst, aws } = await modules.namespaces();
  Object.assign(globalThis, { sst, aws });
  const { run } = await modules.platform();

  const entry = (type: string, name: string) => {
    const key = resourceKey({ type, name });
    if (!registered.has(key)) {
      registered.set(key, {
        type,
        name,
        custom: false,
        inputs: {},
        outputs: {},
        options: { retainOnDelete: false, protect: false },
      });
    }
    return registered.get(key)!;
  };

  skipProviderSerialization();
  skipPromiseStackTraces();
  // Also resets Pulumi's runtime state (root stack, pending RPCs) an earlier scenario left in this process.
  await pulumi.runtime.setMocks(
    {
      newResource({ type, name, inputs, custom }) {
        const outputs = custom ? computedOutputs(type, name, inputs) : {};
        Object.assign(entry(type, name), { custom: Boolean(custom), inputs: revealSecrets(inputs), outputs });
        return { id: outputs.id, state: { ...inputs, ...outputs } };
      },
      call({ token, inputs }) {
        return invokeResult(token, inputs);
      },
    },
    app.name,
    scenario.stage,
    false,
  );

  const program = pulumi.runtime.runInPulumiStack(() =>
    run(async () => {
      // Registered after SST's own transformations (auto/run.ts), so it sees the options they set.
      pulumi.runtime.registerStackTransformation(({ type, name, opts }) => {
        Object.assign(entry(type, name), {
          parent: describeParent(opts.parent),
          options: { retainOnDelete: opts.retainOnDelete === true, protect: opts.protect === true },
        });
        return undefined;
      });
      return config.run();
    }),
  );
  program.catch(() => (state.programFailed = true));
  const outputs = await Promise.race([program, failure]);
  // Lambdas, code objects and routes are registered inside `.apply()` after the program returns.
  await Promise.race([drain(registered), failure]);
  // Loaded by the program already, in place of SST's own site build (evaluate.ts).
  const { siteBuilds } = await import("./site-build");

  return {
    scenario,
    app: { name: app.name, stage: scenario.stage, removal: app.removal, protect: app.protect },
    resources: [...registered.values()],
    builds,
    siteBuilds,
    outputs: outputs ?? {},
  };
}

/**
 * SST's dynamic providers (the site's files, its CloudFront invalidation, its KV routes…) hand
 * Pulumi their code as a closure, which it serializes by inspecting every captured value through
 * node:inspector and parsing functions with TypeScript: code that only a deploy runs. Under mocks
 * nothing runs it, so `__provider` records a placeholder.
 */
function skipProviderSerialization(): void {
  pulumiInternal("runtime/closure/serializeClosure.js", "serializeFunction", async () => ({
    text: UNSERIALIZED_PROVIDER,
    exportName: "handler",
    containsSecrets: false,
  }));
}

/**
 * Pulumi formats a stack trace for every promise it makes, for the leak report it prints when a
 * program exits with promises unsettled; the harness judges a scenario by its own result files and
 * never reads that report. Measured on the 7 scenarios of test/infra/federation.test.ts with a cold
 * cache, this and skipProviderSerialization together: 6.6–7.0 s of CPU instead of 9.9–12.6 s.
 */
function skipPromiseStackTraces(): void {
  pulumiInternal("runtime/debuggable.js", "debuggablePromise", (promise: Promise<unknown>) => promise);
}

/**
 * Replaces `name` in one of @pulumi/pulumi's modules (3.215: its callers look it up on the module
 * at each call), or fails loudly once an upgrade moved it, rather than leaving the harness slow.
 */
function pulumiInternal(module: string, name: string, replacement: unknown): void {
  const exports = createRequire(import.meta.url)(`@pulumi/pulumi/${module}`) as Record<string, unknown>;
  if (typeof exports[name] !== "function")
    throw new Error(`@pulumi/pulumi's ${module} no longer exports ${name}: update program.ts for this Pulumi version`);
  exports[name] = replacement;
}
