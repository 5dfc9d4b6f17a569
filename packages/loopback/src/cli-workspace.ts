import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { buildCli } from "@iam-auth-api/cli/build.mjs";
import { TEST_RETRY_BASE_ENV } from "@iam-auth-api/cli/test-settings";
import { type ProgramResult, runInThisProcess } from "./in-process";
import type { Loopback } from "./loopback";

interface RunOptions {
  /** What the CLI reads on stdin (a pipe, never a terminal); nothing by default. */
  input?: string;
  /** Variables added to (or, as undefined, removed from) the workspace's environment. */
  env?: Record<string, string | undefined>;
  /** The working directory: the project by default. */
  cwd?: string;
  /** Options for node itself: a subprocess only. */
  nodeOptions?: string[];
}

type Run = (args: string[], options?: RunOptions) => Promise<ProgramResult>;

/**
 * A user's machine in a temp directory: a project with `.sst/outputs.json`, its own HOME,
 * TMPDIR and cache directory, and no AWS credentials unless a test adds them.
 */
export interface Workspace {
  root: string;
  project: string;
  cacheDir: string;
  env: Record<string, string>;
  remove(): Promise<void>;
  /** `iam-api <args>` as the workspace was created to run it: `runProcess` or, with `inProcess`, `runInProcess`. */
  run: Run;
  /** The CLI's bundle in a node process of its own, as a user runs it: exit code, pipes, node's options, the files it leaves. */
  runProcess: Run;
  /** The CLI's program (its TypeScript source) in this process, with its own argv, env, cwd, stdin and output: no node start-up, no SDK import per run. */
  runInProcess: Run;
  /** The files on this machine, the CLI's own build aside, that contain any of `secrets`. */
  filesHolding(secrets: string[]): Promise<string[]>;
}

/**
 * A workspace for the CLI against `loopback` (its outputs file and endpoint variables; `npm start`'s
 * tests pass none and use `--local`). `run` is a subprocess unless `inProcess` is set: tests about
 * what a command does run in-process, those about the process itself (exit status, node's options,
 * files left behind, the bundle) call `runProcess`. `runProcess` starts `entry`: the CLI's test
 * build by default, or a file of the caller's (the bench gives the bin a user runs, so that its
 * runs leave Node's compile cache for the calls it times, as a user's do).
 */
export async function createWorkspace(
  loopback: Pick<Loopback, "outputs" | "env">,
  { inProcess = false, entry }: { inProcess?: boolean; entry?: string } = {},
): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), "iam-api-cli-"));
  const project = join(root, "project");
  const home = join(root, "home");
  const temp = join(root, "tmp");
  await Promise.all([mkdir(join(project, ".sst"), { recursive: true }), mkdir(home), mkdir(temp)]);
  await writeFile(join(project, ".sst/outputs.json"), JSON.stringify(loopback.outputs, null, 2));
  // Built when a subprocess first needs it: a file whose every test runs in-process builds nothing.
  let bundle: Promise<string> | undefined;
  const built = () => {
    bundle ??= entry ? Promise.resolve(entry) : sharedBuild();
    return bundle;
  };
  const cacheDir = join(home, ".cache", "iam-api");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    TMPDIR: temp,
    XDG_CACHE_HOME: join(home, ".cache"),
    // Backoff in milliseconds: a test of three attempts waits a few ms, not a second.
    [TEST_RETRY_BASE_ENV]: "1",
    // No instance metadata service on a laptop: without this the SDK probes it before giving up.
    AWS_EC2_METADATA_DISABLED: "true",
    ...loopback.env,
  };
  const runProcess: Run = async (args, options = {}) =>
    runNode(
      [...(options.nodeOptions ?? []), await built(), ...args],
      options.cwd ?? project,
      { ...env, ...options.env },
      options.input ?? "",
    );
  const runInProcess: Run = (args, options = {}) => {
    if (options.nodeOptions) throw new Error("node options need a node process of their own: use runProcess");
    return runInThisProcess(loadCliMain, args, {
      cwd: options.cwd ?? project,
      env: { ...env, ...options.env },
      input: options.input ?? "",
    });
  };
  return {
    root,
    project,
    cacheDir,
    env,
    remove: () => rm(root, { recursive: true, force: true }),
    run: inProcess ? runInProcess : runProcess,
    runProcess,
    runInProcess,
    filesHolding: async (secrets) => {
      const entries = await readdir(root, { withFileTypes: true, recursive: true });
      const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
      const holders: string[] = [];
      // Node's compile cache holds the CLI's code, never a secret.
      for (const file of files.filter((file) => !file.includes(`${join("iam-api", "compile-cache")}`))) {
        const content = await readFile(file, "utf8");
        if (secrets.some((secret) => content.includes(secret))) holders.push(file);
      }
      return holders;
    },
  };
}

/**
 * The CLI built once for every test file and run: its bundle is named by a hash of the sources it is
 * built from, and a finished build is moved into place whole, so parallel files never see half of one.
 */
async function sharedBuild(): Promise<string> {
  const resolve = createRequire(import.meta.url).resolve;
  const cli = dirname(resolve("@iam-auth-api/cli/package.json"));
  const hash = createHash("sha256");
  // The shared packages export their src/ modules only: their folder is that of any one of them.
  for (const folder of [
    join(cli, "src"),
    dirname(resolve("@iam-auth-api/client/settings")),
    dirname(resolve("@iam-auth-api/core/files")),
  ]) {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    for (const file of entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort()) {
      hash.update(file).update(await readFile(file));
    }
  }
  hash.update(await readFile(join(cli, "build.mjs")));
  const target = join(tmpdir(), `iam-api-cli-build-${hash.digest("hex").slice(0, 16)}`);
  const main = join(target, "main.mjs");
  try {
    await access(main);
    return main;
  } catch {
    const staging = await mkdtemp(`${target}-`);
    await buildCli(staging);
    await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
    return main;
  }
}

/** The CLI's program: its TypeScript source, loaded on the first in-process run. */
const loadCliMain = async () => (await import("@iam-auth-api/cli/cli")).main;

function runNode(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  input: string,
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}
