import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCli } from "../build.mjs";
import type { Loopback } from "@iam-auth-api/aws-doubles/loopback";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

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
  run(args: string[], options?: { input?: string; env?: Record<string, string | undefined>; cwd?: string }): Promise<CliResult>;
  /** The files on this machine, the CLI's own build aside, that contain any of `secrets`. */
  filesHolding(secrets: string[]): Promise<string[]>;
}

export async function createWorkspace(loopback: Loopback): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), "iam-api-cli-"));
  const project = join(root, "project");
  const home = join(root, "home");
  const temp = join(root, "tmp");
  await Promise.all([mkdir(join(project, ".sst"), { recursive: true }), mkdir(home), mkdir(temp)]);
  await writeFile(join(project, ".sst/outputs.json"), JSON.stringify(loopback.outputs, null, 2));
  const main = await buildCli(join(root, "cli"));
  const cacheDir = join(home, ".cache", "iam-api");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    TMPDIR: temp,
    XDG_CACHE_HOME: join(home, ".cache"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    // No instance metadata service on a laptop: without this the SDK probes it before giving up.
    AWS_EC2_METADATA_DISABLED: "true",
    ...loopback.env,
  };
  return {
    root,
    project,
    cacheDir,
    env,
    remove: () => rm(root, { recursive: true, force: true }),
    run: (args, options = {}) => runNode(main, args, options.cwd ?? project, { ...env, ...options.env }, options.input ?? ""),
    filesHolding: async (secrets) => {
      const entries = await readdir(root, { withFileTypes: true, recursive: true });
      const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
      const holders: string[] = [];
      for (const file of files.filter((file) => !file.startsWith(join(root, "cli")))) {
        const content = await readFile(file, "utf8");
        if (secrets.some((secret) => content.includes(secret))) holders.push(file);
      }
      return holders;
    },
  };
}

function runNode(main: string, args: string[], cwd: string, env: Record<string, string | undefined>, input: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd, env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}
