import { Command, CommanderError } from "commander";
import { OUTPUT_NAMES, outputEnvName } from "@iam-auth-api/client/settings";
import { TEST_ENDPOINT_ENV } from "./aws";
import { CACHE_DIR_ENV } from "./cache-directory";
import { CliError, UsageError } from "./cli-error";
import type { Context } from "./context";
import { TEST_RETRY_BASE_ENV } from "./http";
import { DEFAULT_OUTPUTS_FILE, loadOutputs } from "./outputs";
import { progress, type Io } from "./terminal";

/**
 * One module per command, imported only when that command runs (every one for the overview and
 * unknown commands): a call never loads another command's code, nor an SDK client it does not use.
 */
const COMMANDS = {
  signup: () => import("./commands/signup"),
  confirm: () => import("./commands/confirm"),
  login: () => import("./commands/login"),
  logout: () => import("./commands/logout"),
  whoami: () => import("./commands/whoami"),
  call: () => import("./commands/call"),
  upload: () => import("./commands/upload"),
  ls: () => import("./commands/ls"),
  download: () => import("./commands/download"),
  rm: () => import("./commands/rm"),
  config: () => import("./commands/config"),
} satisfies Record<string, () => Promise<{ define(command: Command, context: Context): void }>>;

type CommandName = keyof typeof COMMANDS;

/** The first Node release this CLI supports; older ones are past end of life (Node 20: 2026-04-30). */
const OLDEST_SUPPORTED_NODE = 22;

const ENVIRONMENT_HELP = `
Environment:
  ${OUTPUT_NAMES.map(outputEnvName).join(", ")}
                    override single outputs
  ${CACHE_DIR_ENV}  where credentials are cached (default: the per-user cache, see the README)
  ${Object.values(TEST_ENDPOINT_ENV).join(", ")}, ${TEST_RETRY_BASE_ENV}
                    tests and local emulators only: send Cognito and S3 requests to these URLs; retry sooner
`;

/** The command named on the command line: the first word that is neither an option nor --outputs' value. */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--outputs") i++;
    else if (!argv[i].startsWith("-")) return argv[i];
  }
  return undefined;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Io, nodeVersion = process.version): Promise<number> {
  // The SDK's own notice is seven lines on every command; ours is one (below).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const json = () => program.opts().json === true;
  const name = commandName(argv);
  let clearProgress: (() => void) | undefined;

  const program = new Command("iam-api")
    .description("Sign up, log in and call the IAM-authenticated API of this app.")
    .option("--outputs <file>", `deploy outputs to read (default ${DEFAULT_OUTPUTS_FILE}, written by \`npx sst deploy\` or \`npx sst dev\`)`)
    .option("--json", "machine-readable output on stdout; errors as JSON on stderr")
    .helpOption("-h, --help", "this help")
    .helpCommand(false)
    .addHelpText("after", ENVIRONMENT_HELP)
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text), outputError: () => {} })
    .exitOverride();

  const context: Context = {
    env,
    io,
    json,
    outputs: (names) => loadOutputs(program.opts().outputs, env, names),
    print: (result, text) => io.stdout.write(json() ? `${JSON.stringify(result)}\n` : `${text}\n`),
    progress(label) {
      const clear = progress(io, json(), label);
      const done = () => {
        if (clearProgress !== done) return;
        clearProgress = undefined;
        clear();
      };
      clearProgress = done;
      return done;
    },
  };

  try {
    if (Number(/^v?(\d+)/.exec(nodeVersion)?.[1]) < OLDEST_SUPPORTED_NODE && !argv.includes("--json")) {
      io.stderr.write(`iam-api: Node ${nodeVersion} is past its end of life and not supported: install Node ${OLDEST_SUPPORTED_NODE} or newer (this run goes on).\n`);
    }
    const known = name !== undefined && Object.hasOwn(COMMANDS, name);
    const names = (known ? [name] : Object.keys(COMMANDS)) as CommandName[];
    const modules = await Promise.all(names.map((command) => COMMANDS[command]()));
    names.forEach((command, index) => modules[index].define(program.command(command), context));
    await program.parseAsync(name === undefined && argv.length === 0 ? ["--help"] : argv, { from: "user" });
    return 0;
  } catch (error) {
    clearProgress?.();
    if (error instanceof CommanderError && (error.code === "commander.helpDisplayed" || error.code === "commander.help")) return 0;
    const failure =
      error instanceof CommanderError
        ? new UsageError(error.message.replace(/^error: /, "").replace(/\.$/, ""))
        : error instanceof CliError
          ? error
          : new CliError("Unexpected", `Unexpected error: ${(error as Error)?.message ?? String(error)}`);
    const message = failure instanceof UsageError ? `${failure.message} (see \`iam-api${name && Object.hasOwn(COMMANDS, name) ? ` ${name}` : ""} --help\`)` : failure.message;
    io.stderr.write(json() || argv.includes("--json") ? `${JSON.stringify({ error: { code: failure.code, message } })}\n` : `iam-api: ${message}\n`);
    return failure.exitCode;
  }
}
