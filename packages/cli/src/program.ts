// Commander's reading of the command line: help, usage errors, and whatever the fast path leaves.
import { Command, CommanderError } from "commander";
import { OUTPUT_NAMES, outputEnvName } from "@iam-auth-api/client/settings";
import { CACHE_DIR_ENV } from "./cache-directory";
import { UsageError } from "./cli-error";
import type { Context } from "./context";
import type { CommandDefinition } from "./fast-path";
import type { Io } from "./terminal";
import { TEST_ENDPOINT_ENV, TEST_RETRY_BASE_ENV } from "./test-settings";

const ENVIRONMENT_HELP = `
Environment:
  ${OUTPUT_NAMES.map(outputEnvName).join(", ")}
                    override single outputs
  ${CACHE_DIR_ENV}  where credentials are cached (default: the per-user cache, see the README)
  ${Object.values(TEST_ENDPOINT_ENV).join(", ")}, ${TEST_RETRY_BASE_ENV}
                    tests and local emulators only: send Cognito and S3 requests to these URLs; retry sooner
`;

export interface ProgramSpec {
  argv: string[];
  io: Io;
  context: Context;
  globalOptions: readonly { flags: string; description: string }[];
  /** Every command's one-line summary, for the overview. */
  summaries: Record<string, string>;
  /** The command named on the line, when it is a known one: the only one defined in full. */
  command?: { name: string; definition: CommandDefinition };
  /** Receives the reader of the global options, once the program exists. */
  readGlobals(read: () => Record<string, unknown>): void;
}

/** Parses `argv` and runs the command it names; help printed is a success, a usage error a UsageError. */
export async function runProgram({
  argv,
  io,
  context,
  globalOptions,
  summaries,
  command,
  readGlobals,
}: ProgramSpec): Promise<void> {
  const program = new Command("iam-api")
    .description("Sign up, log in and call the IAM-authenticated API of this app.")
    .helpOption("-h, --help", "this help")
    .helpCommand(false)
    .addHelpText("after", ENVIRONMENT_HELP)
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    })
    .exitOverride();
  for (const { flags, description } of globalOptions) program.option(flags, description);
  readGlobals(() => program.opts());

  if (command) {
    command.definition.define(program.command(command.name).description(summaries[command.name]), context);
  } else {
    // The overview, or an unknown command (commander suggests the nearest name): summaries only.
    for (const [name, summary] of Object.entries(summaries)) program.command(name).description(summary);
  }
  try {
    await program.parseAsync(command === undefined && argv.length === 0 ? ["--help"] : argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === "commander.helpDisplayed" || error.code === "commander.help") return;
    throw new UsageError(
      error.message
        .replace(/^error: /, "")
        .replace(/\s*\n\s*/g, " ")
        .replace(/\.$/, ""),
    );
  }
}
