/**
 * A program's command line run in this process, as its process entry runs it but for the process it
 * is given: the CLI's `main` and verify's take argv, an environment, their streams and a working
 * directory, and return the exit code. Tests run many command lines this way without a node start-up
 * and the SDK's import per run; a test about the process itself (exit status, signals, node's
 * options, files left behind) runs the real entry in a child process instead.
 */
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { inspect } from "node:util";
import type { Io } from "@iam-auth-api/cli/terminal";

export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A program's `main`: argv, env, its streams (the CLI's `Io`) and the working directory in; the exit code out. */
export type ProgramMain = (argv: string[], env: NodeJS.ProcessEnv, io: Io, options: { cwd: string }) => Promise<number>;

/** In-process runs share this process's environment and console: one at a time. */
let lastRun: Promise<unknown> = Promise.resolve();

/**
 * One command line through `main` (loaded by `load` on the first run): argv, a copy of `env`, `cwd`,
 * `input` on a stdin that is a pipe, stdout and stderr collected, and the exit code returned. What
 * the program reads of its process outside `main`'s arguments is the AWS SDK's (its credential chain
 * and shared config files read `process.env`) and what anything prints through `console` or
 * `process.emitWarning`: for the run, `process.env` holds the run's AWS variables (its config files
 * in the run's HOME), console and warnings go to the run's output, and all of it is put back
 * afterwards, also what the program itself set there.
 */
export function runInThisProcess(
  load: () => Promise<ProgramMain>,
  args: string[],
  { cwd, env, input = "" }: { cwd: string; env: Record<string, string | undefined>; input?: string },
): Promise<ProgramResult> {
  const run = lastRun.then(async () => {
    const main = await load();
    const stdout = collected();
    const stderr = collected();
    const processEnv = { ...process.env };
    const restore = captureProcessOutput(stdout.stream, stderr.stream);
    const runEnv = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    Object.assign(process.env, awsVariables(runEnv));
    try {
      const code = await main(
        args,
        runEnv,
        { stdin: Readable.from(input ? [Buffer.from(input)] : []), stdout: stdout.stream, stderr: stderr.stream },
        { cwd },
      );
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    } finally {
      restore();
      for (const name of Object.keys(process.env)) if (!(name in processEnv)) delete process.env[name];
      Object.assign(process.env, processEnv);
    }
  });
  lastRun = run.catch(() => {});
  return run;
}

/** The run's AWS variables, and the SDK's config files where a process with this HOME reads them. */
function awsVariables(env: Record<string, string | undefined>): Record<string, string> {
  const aws = Object.entries(env).filter(([name, value]) => name.startsWith("AWS_") && value !== undefined);
  const home = env.HOME ?? "";
  return {
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    ...(Object.fromEntries(aws) as Record<string, string>),
  };
}

/** A stream that keeps what is written to it, as a pipe to the test would. */
function collected(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** `console` and process warnings into the run's stdout and stderr, as they print in the CLI's own process; returns the undo. */
function captureProcessOutput(stdout: Writable, stderr: Writable): () => void {
  const { log, info, debug, warn, error } = console;
  const { emitWarning } = process;
  const line =
    (stream: Writable) =>
    (...parts: unknown[]) => {
      stream.write(`${parts.map((part) => (typeof part === "string" ? part : inspect(part))).join(" ")}\n`);
    };
  Object.assign(console, {
    log: line(stdout),
    info: line(stdout),
    debug: line(stdout),
    warn: line(stderr),
    error: line(stderr),
  });
  process.emitWarning = ((warning: string | Error, type?: unknown) => {
    const name =
      warning instanceof Error ? warning.name : typeof type === "string" ? type : (type as { type?: string })?.type;
    stderr.write(
      `(node:${process.pid}) ${name ?? "Warning"}: ${warning instanceof Error ? warning.message : warning}\n`,
    );
  }) as typeof process.emitWarning;
  return () => {
    Object.assign(console, { log, info, debug, warn, error });
    process.emitWarning = emitWarning;
  };
}
