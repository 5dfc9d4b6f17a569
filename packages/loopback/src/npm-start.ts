// Starting `npm start` as a user would, and checking what it leaves behind: the one fixture for the
// tests of packages/local and packages/verify.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { open, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_SERVER_PORT } from "@iam-auth-api/client/dev-server";
import { REPOSITORY_ROOT } from "./loopback";

export const START = join(REPOSITORY_ROOT, "packages/local/bin/start.mjs");
/** Evaluating the app and starting every service, on two shared cores. */
export const STARTUP_MS = 90_000;

export interface LocalStack {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (Ctrl-C's SIGINT by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when it exits on its own. */
  exited(): Promise<number | null>;
}

/** `npm start` with `args`, resolved once it prints Ready (every port listening), or rejected with its output when it exits first. */
export async function startLocal(
  args: string[],
  options: { web?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<LocalStack> {
  // The web client's Vite server has one port (the origin CORS admits): test files take turns with it.
  const releaseDevServer = options.web ? await holdDevServerPort() : async () => {};
  const child = spawn(process.execPath, [START, ...(options.web ? [] : ["--no-web"]), ...args], {
    cwd: REPOSITORY_ROOT,
    env: options.env ?? process.env,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => releaseDevServer().then(() => resolve(code))),
  );
  const stack: LocalStack = {
    process: child,
    stdout: () => stdout,
    exited: () => exited,
    stderr: () => stderr,
    stop: (signal = "SIGINT") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!stdout.includes("\nReady.")) return;
      child.stdout.off("data", onData);
      resolve(stack);
    };
    child.stdout.on("data", onData);
    exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${stdout}\n${stderr}`)));
  });
}

export async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/** The first of five free loopback ports in a row. */
export async function freePortBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const busy = await Promise.all([0, 1, 2, 3, 4].map((offset) => listening(base + offset)));
    if (!busy.some(Boolean)) return base;
  }
}

export async function childrenOf(pid: number): Promise<number[]> {
  // ps exits 1 when it finds none: a process may not have started its children yet.
  const {
    status,
    stdout: output,
    error,
  } = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  if (error || (status !== 0 && status !== 1)) throw error ?? new Error(`ps exited ${status}`);
  return output
    .split("\n")
    .map((line) => Number(line.trim()))
    .filter(Boolean);
}

/** Whether `pid` is gone (or a zombie left for init to reap) within two seconds. */
export async function exitsSoon(pid: number): Promise<boolean> {
  for (let tries = 0; tries < 20; tries++) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
    if (stat === undefined || stat.split(") ")[1]?.startsWith("Z")) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** A lock older than this was left by a test process that died holding it. */
const STALE_LOCK_MS = 5 * 60_000;

/**
 * Waits until no other test process runs `npm start` with its web client, then holds the dev server's
 * port (http://localhost:5173, the one origin the local stage's CORS admits) until the returned
 * release is called: two test files started in parallel would otherwise both try to listen there.
 */
async function holdDevServerPort(): Promise<() => Promise<void>> {
  const lock = join(tmpdir(), `iam-api-dev-server-${DEV_SERVER_PORT}.lock`);
  for (;;) {
    const handle = await open(lock, "wx").catch(() => undefined);
    if (handle) {
      await handle.close();
      return () => rm(lock, { force: true });
    }
    const { mtimeMs } = await stat(lock).catch(() => ({ mtimeMs: 0 }));
    if (Date.now() - mtimeMs > STALE_LOCK_MS) await rm(lock, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
