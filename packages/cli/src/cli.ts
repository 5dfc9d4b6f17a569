import { Command, CommanderError } from "commander";
import { OUTPUT_NAMES, outputEnvName } from "@iam-auth-api/client/settings";
import { CACHE_DIR_ENV } from "./cache-directory";
import { CliError, UsageError } from "./cli-error";
import type { Context } from "./context";
import { DEFAULT_OUTPUTS_FILE, loadOutputs } from "./outputs";
import { forTerminal, progress, type Io } from "./terminal";
import { TEST_ENDPOINT_ENV, TEST_RETRY_BASE_ENV } from "./test-settings";

/**
 * One module per command, imported only when that command runs: a call never loads another
 * command's code, nor an SDK client it does not use. The overview (`iam-api --help`) needs only
 * each command's one-line summary, so it loads none of them.
 */
const COMMANDS = {
  signup: {
    summary: "Create a user; the password is prompted without echo, or read from the first line of stdin",
    load: () => import("./commands/signup"),
  },
  confirm: {
    summary:
      "Confirm a user with the emailed code, or with --admin and your own AWS credentials (as admin-confirm-sign-up)",
    load: () => import("./commands/confirm"),
  },
  login: {
    summary:
      "Sign in with SRP (the password never leaves this machine), or with a provider's token; caches temporary AWS credentials that renew automatically",
    load: () => import("./commands/login"),
  },
  logout: {
    summary: "Revoke the refresh token and delete the cached credentials",
    load: () => import("./commands/logout"),
  },
  whoami: {
    summary: "Who the API says you are: the same as `call GET /private`",
    load: () => import("./commands/whoami"),
  },
  call: {
    summary:
      "A request to the API, SigV4-signed when you are logged in (unsigned otherwise, for open routes); prints the body, the status on stderr",
    load: () => import("./commands/call"),
  },
  upload: {
    summary: "Store a file under your own prefix, private/<identityId>/",
    load: () => import("./commands/upload"),
  },
  ls: { summary: "List your files", load: () => import("./commands/ls") },
  download: { summary: "Fetch one of your files", load: () => import("./commands/download") },
  rm: { summary: "Delete one of your files", load: () => import("./commands/rm") },
  config: {
    summary: "The client settings a web or mobile app needs: JSON, or the VITE_* lines for the web client's .env.local",
    load: () => import("./commands/config"),
  },
} satisfies Record<string, { summary: string; load(): Promise<{ define(command: Command, context: Context): void }> }>;

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

/** The command named on the command line: the first word that is neither an option nor --outputs' value (none after a leading --help, which asks for the overview). */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--outputs") i++;
    else if (argv[i] === "--help" || argv[i] === "-h") return undefined;
    else if (!argv[i].startsWith("-")) return argv[i];
  }
  return undefined;
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: Io,
  nodeVersion = process.version,
): Promise<number> {
  // The SDK's own notice is seven lines on every command; ours is one (below).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const json = () => program.opts().json === true;
  const name = commandName(argv);
  let clearProgress: (() => void) | undefined;

  const program = new Command("iam-api")
    .description("Sign up, log in and call the IAM-authenticated API of this app.")
    .option(
      "--outputs <file>",
      `deploy outputs to read (default ${DEFAULT_OUTPUTS_FILE}, written by \`npx sst deploy\` or \`npx sst dev\`)`,
    )
    .option("--json", "machine-readable output on stdout; errors as JSON on stderr")
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

  const context: Context = {
    env,
    io,
    json,
    outputs: (names) => loadOutputs(program.opts().outputs, env, names),
    print: (result, text) => io.stdout.write(json() ? `${JSON.stringify(result)}\n` : `${forTerminal(text)}\n`),
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
      io.stderr.write(
        `iam-api: Node ${nodeVersion} is past its end of life and not supported: install Node ${OLDEST_SUPPORTED_NODE} or newer (this run goes on).\n`,
      );
    }
    if (name !== undefined && Object.hasOwn(COMMANDS, name)) {
      const { summary, load } = COMMANDS[name as CommandName];
      (await load()).define(program.command(name).description(summary), context);
    } else {
      // The overview, or an unknown command (commander suggests the nearest name): summaries only.
      for (const [command, { summary }] of Object.entries(COMMANDS)) program.command(command).description(summary);
    }
    await program.parseAsync(name === undefined && argv.length === 0 ? ["--help"] : argv, { from: "user" });
    return 0;
  } catch (error) {
    clearProgress?.();
    if (
      error instanceof CommanderError &&
      (error.code === "commander.helpDisplayed" || error.code === "commander.help")
    )
      return 0;
    const failure =
      error instanceof CommanderError
        ? new UsageError(
            error.message
              .replace(/^error: /, "")
              .replace(/\s*\n\s*/g, " ")
              .replace(/\.$/, ""),
          )
        : error instanceof CliError
          ? error
          : new CliError("Unexpected", `Unexpected error: ${(error as Error)?.message ?? String(error)}`);
    const message =
      failure instanceof UsageError
        ? `${failure.message} (see \`iam-api${name && Object.hasOwn(COMMANDS, name) ? ` ${name}` : ""} --help\`)`
        : failure.message;
    io.stderr.write(
      json() || argv.includes("--json")
        ? `${JSON.stringify({ error: { code: failure.code, message } })}\n`
        : `iam-api: ${forTerminal(message)}\n`,
    );
    return failure.exitCode;
  }
}
