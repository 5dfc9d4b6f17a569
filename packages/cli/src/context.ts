import type { OutputName } from "@iam-auth-api/client/settings";
import { CliError, UsageError } from "./cli-error";
import type { Invocation } from "./invocation";
import { readSecret, type Io } from "./terminal";

/** What a command gets from the router. */
export interface Context {
  env: NodeJS.ProcessEnv;
  io: Io;
  /** The directory relative paths on the command line are read from and written to: the process's own. */
  cwd: string;
  /** `--json`: results as JSON on stdout, errors as JSON on stderr, no progress text. */
  json(): boolean;
  /** The deploy outputs this command needs, every missing one named in one error. */
  outputs<Name extends OutputName>(names: readonly Name[]): Promise<Record<Name, string>>;
  /** How this run chose its stack: the commands it suggests next repeat `--local` or `--outputs <file>`. */
  invocation(): Invocation;
  /** Prints the command's result: `json` with --json, else the text. */
  print(json: unknown, text: string): void;
  /** Shows `label…` on a terminal until the returned function (or any error) clears it. */
  progress(label: string): () => void;
}

export function checkEmail(email: string): string {
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`"${email}" is not an email address`);
  return email;
}

/** A new password, typed twice on a terminal; the first line of stdin otherwise. */
export async function newPassword(context: Context, email: string): Promise<string> {
  const password = await readSecret(context.io, `New password for ${email}: `);
  if (context.io.stdin.isTTY && (await readSecret(context.io, "Repeat it: ")) !== password) {
    throw new CliError("PasswordMismatch", "The two passwords differ: run signup again.");
  }
  return password;
}
