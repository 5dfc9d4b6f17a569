import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles the app like the SST CLI: sst.config.ts and everything it imports, SST's components and
 * `auto/run.ts`, with the `$…` helpers of `shim/run.js` injected. Packages stay external and resolve
 * from .sst/platform: one @pulumi/pulumi, the platform's own. Every module is imported lazily, so
 * `program.ts` can set `$app` from the config's `app()` before any component module reads it.
 */
function bundleApp(config: string): Promise<string> {
  if (bundles.has(config)) return bundles.get(config)!;
  const bundled = build({
    stdin: {
      resolveDir: ROOT,
      sourcefile: "harness-entry.ts",
      loader: "ts",
      contents: [
        `import { existsSync, writeFileSync } from "node:fs";`,
        `import { evaluateProgram } from ${JSON.stringify(join(HARNESS, "program.ts"))};`,
        `const context = JSON.parse(process.env.SST_HARNESS_CONTEXT);`,
        // The program's first error, as `sst deploy` would print it, kept apart from the child's log:
        // a failure inside `.apply()` may be followed by others that end the process first.
        `const recordFailure = (error) => existsSync(context.resultFile + ".error") || writeFileSync(context.resultFile + ".error", String(error?.message ?? error));`,
        `process.on("unhandledRejection", recordFailure);`,
        `try {`,
        `  await evaluateProgram({`,
        `    config: () => import(${JSON.stringify(join(ROOT, config))}),`,
        `    namespaces: () => import(${JSON.stringify(join(HARNESS, "namespaces.ts"))}),`,
        `    platform: () => import(${JSON.stringify(join(PLATFORM, "src/auto/run.ts"))}),`,
        `  }, context);`,
        `} catch (error) {`,
        `  recordFailure(error);`,
        `  throw error;`,
        `}`,
      ].join("\n"),
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    inject: [join(PLATFORM, "src/shim/run.js")],
    plugins: [
      {
        name: "site-build-stand-in",
        setup(build) {
          // How SST's components import it; the stand-in imports the real module by another path.
          build.onResolve({ filter: /\/base-static-site\.js$/ }, () => ({ path: SITE_BUILD }));
        },
      },
    ],
    logLevel: "silent",
  }).then((result) => result.outputFiles[0].text);
  bundles.set(config, bundled);
  return bundled;
}

/** Where `sst secret set` values reach the program: `$secrets` and `sst.Secret` both read the environment. */
function secretEnvironment(secrets: Record<string, string> = {}) {
  return {
    SST_SECRETS: JSON.stringify(secrets),
    ...Object.fromEntries(Object.entries(secrets).map(([name, value]) => [`SST_SECRET_${name}`, value])),
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

/** Runs the bundle in a child process: infra/ modules create resources when imported, and Pulumi's runtime is per process. */
async function evaluateInChildProcess(bundle: string, scenario: Scenario): Promise<Evaluation> {
  const scratch = await mkdtemp(join(tmpdir(), "sst-harness-"));
  const context: ProgramContext = {
    scenario,
    root: ROOT,
    platform: PLATFORM,
    scratch,
    resultFile: join(scratch, "evaluation.json"),
  };
  try {
    const child = spawn(process.execPath, ["--input-type=module", "-"], {
      // Bare imports in the bundle resolve from here, the way they do for SST's own build output.
      cwd: PLATFORM,
      // Only what the scenario says: an evaluation must not depend on the shell it runs in.
      env: {
        PATH: process.env.PATH,
        ...scenario.env,
        ...secretEnvironment(scenario.secrets),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        SST_HARNESS_CONTEXT: JSON.stringify(context),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (chunk) => (log += chunk));
    child.stderr.on("data", (chunk) => (log += chunk));
    child.stdin.end(bundle);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (code !== 0) {
      const reason = await readFile(`${context.resultFile}.error`, "utf8").catch(() => undefined);
      // A crash or a kill is no result of the inputs: reported, never cached.
      if (reason === undefined) throw new Error(`Evaluating stage "${scenario.stage}" failed: exit ${code}\n${log}`);
      const builds: Build[] = JSON.parse(await readFile(`${context.resultFile}.builds`, "utf8").catch(() => "[]"));
      const handlers = builds.map(({ handler }) => ({
        handler,
        resolved: Boolean(resolveHandler(ROOT, handler).file),
      }));
      throw new ProgramFailure(scenario, reason, handlers, log);
    }
    return JSON.parse(await readFile(context.resultFile, "utf8"));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Evaluates the real app for one scenario under Pulumi mocks. Results — the evaluation, or the
 * program's own error — are cached under .sst/harness by the hash of everything they depend on: the bundle (sst.config.ts, infra/, SST's components,
 * this harness), the scenario, the platform's packages and Node; a hit is used only while the
 * handler files the build looked for resolve as they did. Writes nothing in the repository outside .sst/ but
 * what SST itself writes on a deploy: a static site's `src/sst-env.d.ts` (committed, so unchanged).
 */
export function evaluate(scenario: Scenario): Promise<Evaluation> {
  const id = JSON.stringify(scenario);
  if (!inProcess.has(id)) inProcess.set(id, evaluateCached(scenario));
  return inProcess.get(id)!;
}

const inProcess = new Map<string, Promise<Evaluation>>();

/** What the cache holds for a scenario: its evaluation, or the program's own error. */
type Outcome = { evaluation: Evaluation } | { failure: { reason: string; handlers: ProgramFailure["handlers"] } };

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

/**
 * Test files run in parallel processes and all want the same scenarios: the first to create the
 * lock evaluates, the others wait for its result instead of evaluating it again.
 */
async function claimOrWait(lock: string): Promise<boolean> {
  await mkdir(CACHE, { recursive: true });
  const claimed = await open(lock, "wx").then(
    (handle) => handle.close().then(() => true),
    () => false,
  );
  if (claimed) return true;
  while (existsSync(lock) && Date.now() - (await stat(lock).catch(() => ({ mtimeMs: 0 }))).mtimeMs < STALE_LOCK_MS) {
    await setTimeout(100);
  }
  return false;
}

async function evaluateCached(scenario: Scenario): Promise<Evaluation> {
  const bundle = await bundleApp(scenario.config ?? "sst.config.ts");
  const key = createHash("sha256")
    .update(bundle)
    .update(JSON.stringify(scenario))
    .update(await readFile(join(PLATFORM, "package.json")))
    .update(process.version)
    .digest("hex");
  const cached = join(CACHE, `${key}.json`);
  const lock = `${cached}.lock`;
  const hit = (await readIfValid(cached)) ?? ((await claimOrWait(lock)) ? undefined : await readIfValid(cached));
  if (hit) return settle(scenario, hit);
  try {
    const outcome: Outcome = await evaluateInChildProcess(bundle, scenario).then(
      (evaluation) => ({ evaluation }),
      (error) => {
        // A stage the program refuses is cached like one it accepts: the tests of misconfigurations
        // then cost a cache read, not an evaluation, until something they depend on changes.
        if (!(error instanceof ProgramFailure)) throw error;
        return { failure: { reason: error.reason, handlers: error.handlers } };
      },
    );
    // Write whole files, so a concurrent reader never sees half of one.
    const partial = `${cached}.${process.pid}`;
    await writeFile(partial, JSON.stringify(outcome));
    await rename(partial, cached);
    return settle(scenario, outcome);
  } finally {
    await rm(lock, { force: true });
  }
}

/** One evaluation that skips the cache: what the benchmark measures as the cost of a change to infra/. */
export async function evaluateUncached(scenario: Scenario): Promise<Evaluation> {
  return evaluateInChildProcess(await bundleApp(scenario.config ?? "sst.config.ts"), scenario);
}
