import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Build, Evaluation, Scenario } from "./evaluation";
import { resolveHandler } from "./handlers";
import type { ProgramContext } from "./program";

const HARNESS = dirname(fileURLToPath(import.meta.url));
/** The app's repository root (sst.config.ts, .sst/): this module is in packages/infra-harness/src. */
const ROOT = join(HARNESS, "../../..");
const PLATFORM = join(ROOT, ".sst/platform");
const CACHE = join(ROOT, ".sst/harness");
const SITE_BUILD = join(HARNESS, "site-build.ts");
/** This repository's workspace packages, which the app imports and SST bundles with it. */
const WORKSPACE_SCOPE = "@iam-auth-api/";

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles the app like the SST CLI: sst.config.ts and everything it imports (this repository's
 * workspace packages too), SST's components and `auto/run.ts`, with the `$…` helpers of
 * `shim/run.js` injected. Other packages stay external and resolve from .sst/platform: one
 * @pulumi/pulumi, the platform's own. Every module is imported lazily, so `program.ts` can set
 * `$app` from the config's `app()` before any component module reads it. The bundle exports
 * `evaluateScenario`; each import of it under another URL is a fresh copy of every module in it.
 */
function bundleApp(config: string): Promise<string> {
  if (bundles.has(config)) return bundles.get(config)!;
  const bundled = build({
    stdin: {
      resolveDir: ROOT,
      sourcefile: "harness-entry.ts",
      loader: "ts",
      contents: [
        `import { evaluateProgram } from ${JSON.stringify(join(HARNESS, "program.ts"))};`,
        `export const evaluateScenario = (context) => evaluateProgram({`,
        `  config: () => import(${JSON.stringify(join(ROOT, config))}),`,
        `  namespaces: () => import(${JSON.stringify(join(HARNESS, "namespaces.ts"))}),`,
        `  platform: () => import(${JSON.stringify(join(PLATFORM, "src/auto/run.ts"))}),`,
        `}, context);`,
      ].join("\n"),
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    inject: [join(PLATFORM, "src/shim/run.js")],
    plugins: [
      {
        name: "packages-external",
        setup(build) {
          // SST bundles the app's own packages with it; node_modules stay where the platform installed them.
          build.onResolve({ filter: /^[^./]/ }, ({ path }) =>
            path.startsWith(WORKSPACE_SCOPE) ? undefined : { path, external: true },
          );
        },
      },
      {
        name: "physical-names-as-state-keeps-them",
        setup(build) {
          // SST 4.17's physicalName() adds a random suffix, which a deployed stage then keeps in its
          // Pulumi state: every deploy after the first sees the same name. An evaluation has no state,
          // so the suffix is derived from the name instead, and every evaluation of a stage names its
          // resources alike, as its deploys would (`npm start`'s files stay in the bucket they went to).
          build.onLoad({ filter: /[\\/]src[\\/]components[\\/]naming\.ts$/ }, async ({ path }) => {
            const source = await readFile(path, "utf8");
            const random = 'crypto.randomBytes(8).toString("hex")';
            if (!source.includes(random)) throw new Error(`${path}: SST's physicalName() no longer reads ${random}`);
            const stable = 'crypto.createHash("sha256").update(main + suffix).digest("hex").slice(0, 16)';
            return { contents: source.replace(random, stable), loader: "ts" };
          });
        },
      },
      {
        name: "site-build-stand-in",
        setup(build) {
          // How SST's components import it; the stand-in imports the real module by another path.
          // Through esbuild's own resolver, as every other module: a path handed back directly is
          // compiled with or without its tsconfig's settings ("use strict") depending on timing,
          // and a bundle that differs from run to run misses the cache.
          build.onResolve({ filter: /\/base-static-site\.js$/ }, ({ kind }) =>
            build.resolve(SITE_BUILD, { kind, resolveDir: HARNESS }),
          );
        },
      },
    ],
    logLevel: "silent",
  }).then((result) => result.outputFiles[0].text);
  bundles.set(config, bundled);
  return bundled;
}

/**
 * The child process's entry: each scenario imports the bundle under its own URL (a fresh copy of the
 * app's and SST's modules, sharing the process's @pulumi/pulumi and @pulumi/aws), reports it done,
 * and stops early when the program left the process unfit for another (program.ts).
 */
const CHILD_ENTRY = [
  `import { pathToFileURL } from "node:url";`,
  `const { bundle, contexts } = JSON.parse(process.env.SST_HARNESS_BATCH);`,
  `const report = (message) => new Promise((resolve) => process.send(message, resolve));`,
  `for (const [index, context] of contexts.entries()) {`,
  `  await report({ started: index });`,
  `  const { evaluateScenario } = await import(pathToFileURL(bundle) + "?scenario=" + index);`,
  `  const fit = await evaluateScenario(context);`,
  `  await report({ done: index });`,
  `  if (!fit) break;`,
  `}`,
  `process.exit(0);`,
].join("\n");

/** Where `sst secret set` values reach the program: `$secrets` and `sst.Secret` both read the environment. */
function secretEnvironment(secrets: Record<string, string> = {}) {
  return {
    SST_SECRETS: JSON.stringify(secrets),
    ...Object.fromEntries(Object.entries(secrets).map(([name, value]) => [`SST_SECRET_${name}`, value])),
  };
}

/** Only what the scenario says: an evaluation must not depend on the shell it runs in. */
function scenarioEnvironment(scenario: Scenario): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ...scenario.env,
    ...secretEnvironment(scenario.secrets),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** The program's own error (as `sst deploy` would print it): as much a result of the inputs as an evaluation. */
class ProgramFailure extends Error {
  constructor(
    readonly scenario: Scenario,
    readonly reason: string,
    /** The handlers the build looked for before it failed, and whether each resolved to a file. */
    readonly handlers: { handler: string; resolved: boolean }[],
    log?: string,
  ) {
    super(`Evaluating stage "${scenario.stage}" failed: ${reason}`, { cause: log });
  }
}

/** What the cache holds for a scenario: its evaluation, or the program's own error. */
type Outcome = { evaluation: Evaluation } | { failure: { reason: string; handlers: ProgramFailure["handlers"] } };

/** The outcome a scenario's result files hold, once the child wrote them; undefined when it wrote none. */
async function readResult(context: ProgramContext): Promise<Outcome | undefined> {
  const evaluation = await readFile(context.resultFile, "utf8").catch(() => undefined);
  if (evaluation !== undefined) return { evaluation: JSON.parse(evaluation) };
  const reason = await readFile(`${context.resultFile}.error`, "utf8").catch(() => undefined);
  if (reason === undefined) return undefined;
  const builds: Build[] = JSON.parse(await readFile(`${context.resultFile}.builds`, "utf8").catch(() => "[]"));
  const handlers = builds.map(({ handler }) => ({ handler, resolved: Boolean(resolveHandler(ROOT, handler).file) }));
  return { failure: { reason, handlers } };
}

/** Runs one child process over `contexts` in order; reports each scenario as the child finishes it. */
async function runChild(
  bundleFile: string,
  contexts: ProgramContext[],
  onOutcome: (index: number, outcome: Outcome) => void,
): Promise<{ started: Set<number>; done: Set<number>; code: number | null; log: string }> {
  const started = new Set<number>();
  const done = new Set<number>();
  const child = spawn(process.execPath, ["--input-type=module", "-"], {
    // Bare imports in the entry resolve from here, the way they do for SST's own build output.
    cwd: PLATFORM,
    env: { PATH: process.env.PATH, SST_HARNESS_BATCH: JSON.stringify({ bundle: bundleFile, contexts }) },
    stdio: ["pipe", "pipe", "pipe", "ipc"],
  });
  let log = "";
  child.stdout!.on("data", (chunk) => (log += chunk));
  child.stderr!.on("data", (chunk) => (log += chunk));
  const reports: Promise<void>[] = [];
  child.on("message", (message: { started?: number; done?: number }) => {
    if (message.started !== undefined) started.add(message.started);
    const index = message.done;
    if (index === undefined) return;
    reports.push(
      readResult(contexts[index]).then((outcome) => {
        if (!outcome) return;
        done.add(index);
        onOutcome(index, outcome);
      }),
    );
  });
  child.stdin!.end(CHILD_ENTRY);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  await Promise.all(reports);
  return { started, done, code, log };
}

/**
 * Evaluates scenarios in as few child processes as the program allows: Node, @pulumi/pulumi and
 * @pulumi/aws load once per process, and each scenario gets a fresh copy of the bundle. The
 * scenarios after one that left its process unfit (program.ts) go to a new process. A crash or a
 * kill is no result of the inputs: the scenario it interrupted is reported as an Error, never cached.
 */
async function evaluateInChildProcesses(
  bundle: string,
  scenarios: Scenario[],
  onOutcome: (index: number, outcome: Outcome | Error) => void,
): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), "sst-harness-"));
  // Beside the platform's node_modules, where the SST CLI writes its own bundle (sst.config.<time>.mjs).
  const bundleFile = join(PLATFORM, `harness.${basename(scratch)}.mjs`);
  try {
    await writeFile(bundleFile, bundle);
    const contexts: ProgramContext[] = await Promise.all(
      scenarios.map(async (scenario, index) => ({
        scenario,
        root: ROOT,
        platform: PLATFORM,
        scratch: await mkdtemp(join(scratch, `${index}-`)),
        resultFile: join(scratch, `${index}.json`),
        env: scenarioEnvironment(scenario),
      })),
    );
    let pending = contexts.map((_, index) => index);
    while (pending.length) {
      const batch = pending;
      const { started, done, code, log } = await runChild(
        bundleFile,
        batch.map((index) => contexts[index]),
        (position, outcome) => onOutcome(batch[position], outcome),
      );
      const left = batch.filter((_, position) => !done.has(position));
      if (!left.length) break;
      const [first, ...rest] = left;
      // The program's error, written before the process ended.
      const outcome = await readResult(contexts[first]);
      if (outcome) onOutcome(first, outcome);
      // Not begun: the child stopped before it, unfit for another scenario (or killed in between).
      else if (!started.has(batch.indexOf(first)) && started.size > 0) {
        pending = left;
        continue;
      } else onOutcome(first, new Error(`Evaluating stage "${scenarios[first].stage}" failed: exit ${code}\n${log}`));
      pending = rest;
    }
  } finally {
    await rm(bundleFile, { force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

const inProcess = new Map<string, Promise<Evaluation>>();

/**
 * Evaluates the real app for one scenario under Pulumi mocks. Results — the evaluation, or the
 * program's own error — are cached under .sst/harness by the hash of everything they depend on:
 * the bundle (sst.config.ts, infra/, SST's components, this harness), the scenario, the platform's
 * packages and Node; a hit is used only while the handler files the build looked for resolve as
 * they did. Writes nothing in the repository outside .sst/ but what SST itself writes on a deploy:
 * a static site's `src/sst-env.d.ts` (committed, so unchanged).
 */
export function evaluate(scenario: Scenario): Promise<Evaluation> {
  return evaluateAll([scenario])[0];
}

/**
 * Evaluates several scenarios as `evaluate` does each, those not cached in one child process per
 * config (one bundle, one Node and Pulumi start-up), each settling as soon as its own result is in.
 */
export function evaluateAll(scenarios: Scenario[]): Promise<Evaluation>[] {
  const fresh = new Map<string, Scenario>();
  for (const scenario of scenarios) {
    const id = JSON.stringify(scenario);
    if (!inProcess.has(id)) fresh.set(id, scenario);
  }
  const byConfig = Map.groupBy(fresh.values(), (scenario) => scenario.config ?? "sst.config.ts");
  for (const [config, group] of byConfig) {
    evaluateCached(config, group).forEach((outcome, index) => {
      const evaluation = outcome.then((settled) => settle(group[index], settled));
      // Awaited by whoever asks for it; until then a refused scenario is no unhandled rejection.
      evaluation.catch(() => {});
      inProcess.set(JSON.stringify(group[index]), evaluation);
    });
  }
  return scenarios.map((scenario) => inProcess.get(JSON.stringify(scenario))!);
}

/** A cached outcome, while the handler files the build looked for are still (or still not) there. */
async function readIfValid(cached: string): Promise<Outcome | undefined> {
  if (!existsSync(cached)) return undefined;
  const outcome: Outcome = JSON.parse(await readFile(cached, "utf8"));
  const handlers =
    "evaluation" in outcome
      ? outcome.evaluation.builds.map(({ handler }) => ({ handler, resolved: true }))
      : outcome.failure.handlers;
  return handlers.every(({ handler, resolved }) => Boolean(resolveHandler(ROOT, handler).file) === resolved)
    ? outcome
    : undefined;
}

function settle(scenario: Scenario, outcome: Outcome): Evaluation {
  if ("evaluation" in outcome) return outcome.evaluation;
  throw new ProgramFailure(scenario, outcome.failure.reason, outcome.failure.handlers);
}

/** A lock older than this was left by a process that died while evaluating. */
const STALE_LOCK_MS = 60_000;

/** Test files run in parallel processes and all want the same scenarios: the first to create the lock evaluates. */
async function claim(lock: string): Promise<boolean> {
  await mkdir(CACHE, { recursive: true });
  return open(lock, "wx").then(
    (handle) => handle.close().then(() => true),
    () => false,
  );
}

/** Waits for the process that holds the lock to write its result (or to die, leaving a stale lock). */
async function waitForLock(lock: string) {
  while (existsSync(lock) && Date.now() - (await stat(lock).catch(() => ({ mtimeMs: 0 }))).mtimeMs < STALE_LOCK_MS) {
    await setTimeout(100);
  }
}

/** Write whole files, so a concurrent reader never sees half of one. */
async function store(cached: string, outcome: Outcome) {
  const partial = `${cached}.${process.pid}`;
  await writeFile(partial, JSON.stringify(outcome));
  await rename(partial, cached);
}

/**
 * Each scenario's outcome: from the cache, from another process that holds its lock, or evaluated
 * here, all the missing ones of this call in one child process. A stage the program refuses is
 * cached like one it accepts: the tests of misconfigurations then cost a cache read, not an
 * evaluation, until something they depend on changes.
 */
function evaluateCached(config: string, scenarios: Scenario[]): Promise<Outcome>[] {
  const outcomes = scenarios.map(() => Promise.withResolvers<Outcome>());
  (async () => {
    const bundle = await bundleApp(config);
    const platformPackage = await readFile(join(PLATFORM, "package.json"));
    // This file runs the child and hands it the scenario's environment: its source is part of the result.
    const harness = await readFile(fileURLToPath(import.meta.url));
    const cacheFile = (scenario: Scenario) =>
      join(
        CACHE,
        `${createHash("sha256").update(harness).update(bundle).update(JSON.stringify(scenario)).update(platformPackage).update(process.version).digest("hex")}.json`,
      );
    const released = new Set<number>();
    const evaluateHere = async (indexes: number[]) => {
      if (!indexes.length) return;
      const results = new Map<number, Promise<Outcome | Error>>();
      await evaluateInChildProcesses(
        bundle,
        indexes.map((index) => scenarios[index]),
        (position, outcome) => {
          // Cached and unlocked at once, for the other processes that wait for it.
          const index = indexes[position];
          const cached = cacheFile(scenarios[index]);
          released.add(index);
          const saved = outcome instanceof Error ? Promise.resolve() : store(cached, outcome);
          results.set(
            index,
            saved.then(
              () => outcome,
              (error: Error) => error,
            ),
          );
          saved.finally(() => rm(`${cached}.lock`, { force: true })).catch(() => {});
        },
      );
      // Settled here once the child processes are gone and their files removed: a test file may end
      // as soon as its last scenario settles.
      for (const [index, result] of results) {
        const outcome = await result;
        if (outcome instanceof Error) outcomes[index].reject(outcome);
        else outcomes[index].resolve(outcome);
      }
    };
    const claimed: number[] = [];
    const waiting: number[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      const cached = cacheFile(scenario);
      const hit = await readIfValid(cached);
      if (hit) outcomes[index].resolve(hit);
      else if (await claim(`${cached}.lock`)) claimed.push(index);
      else waiting.push(index);
    }
    const others = (async () => {
      const missing: number[] = [];
      for (const index of waiting) {
        const cached = cacheFile(scenarios[index]);
        await waitForLock(`${cached}.lock`);
        const hit = await readIfValid(cached);
        if (hit) outcomes[index].resolve(hit);
        else missing.push(index);
      }
      // The process that held the lock died, or wrote an outcome this checkout cannot use: evaluate here.
      await evaluateHere(missing);
    })();
    try {
      await Promise.all([evaluateHere(claimed), others]);
    } finally {
      const unreleased = claimed.filter((index) => !released.has(index));
      await Promise.all(unreleased.map((index) => rm(`${cacheFile(scenarios[index])}.lock`, { force: true })));
    }
  })().catch((error) => {
    for (const outcome of outcomes) outcome.reject(error);
  });
  return outcomes.map(({ promise }) => promise);
}

/** One evaluation that skips the cache: what the benchmark measures as the cost of a change to infra/. */
export async function evaluateUncached(scenario: Scenario): Promise<Evaluation> {
  const bundle = await bundleApp(scenario.config ?? "sst.config.ts");
  let result: Outcome | Error = new Error(`Evaluating stage "${scenario.stage}" reported nothing`);
  await evaluateInChildProcesses(bundle, [scenario], (_, outcome) => (result = outcome));
  if (result instanceof Error) throw result;
  return settle(scenario, result);
}
