import { CliError, UsageError } from "./cli-error";
import type { Context } from "./context";
import { type CommandDefinition, fastCall, optionSpecs } from "./fast-path";
import { invocation } from "./invocation";
import { DEFAULT_OUTPUTS_FILE, LOCAL_OUTPUTS_FILE, loadOutputs, useLocalStack } from "./outputs";
import { forTerminal, progress, type Io } from "./terminal";

/**
 * One module per command, imported only when that command runs: a call never loads another
 * command's code, nor an SDK client it does not use. The overview (`iam-api --help`) needs only
 * each command's one-line summary, so it loads none of them. A known command with plain arguments
 * runs without loading the argument parser (`./fast-path`); help and errors are commander's (`./program`).
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
} satisfies Record<string, { summary: string; load(): Promise<CommandDefinition> }>;

type CommandName = keyof typeof COMMANDS;

/** The options every command takes: declared here once, read by the fast path and by commander alike. */
export const GLOBAL_OPTIONS = [
  {
    flags: "--outputs <file>",
    description: `deploy outputs to read (default ${DEFAULT_OUTPUTS_FILE}, written by \`npx sst deploy\` or \`npx sst dev\`)`,
  },
  { flags: "--local", description: `the local stack \`npm start\` serves (its ${LOCAL_OUTPUTS_FILE} and endpoints)` },
  { flags: "--json", description: "machine-readable output on stdout; errors as JSON on stderr" },
] as const;

/** The global options' values, keyed as commander keys them. */
interface GlobalOptions {
  outputs?: string;
  local?: boolean;
  json?: boolean;
}

/** The first Node release this CLI supports; older ones are past end of life (Node 20: 2026-04-30). */
const OLDEST_SUPPORTED_NODE = 22;

/** The command named on the command line: the first word that is neither an option nor --outputs' value (none after a leading --help, which asks for the overview). */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--outputs") i++;
    else if (argv[i] === "--help" || argv[i] === "-h") return undefined;
    else if (!argv[i].startsWith("-")) return argv[i];
  }
  return undefined;
}

/**
 * Runs one command line and returns its exit code. `env`, `io` and `cwd` are all it reads and
 * writes of its process (the SDK's credential chain and warnings aside): `main.ts` passes the
 * process's own, tests their own, so a test can run many command lines in one process.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: Io,
  { cwd = process.cwd(), nodeVersion = process.version }: { cwd?: string; nodeVersion?: string } = {},
): Promise<number> {
  // The SDK's own notice is seven lines on every command; ours is one (below).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  let globals: () => GlobalOptions = () => ({});
  const json = () => globals().json === true;
  const name = commandName(argv);
  const known = name !== undefined && Object.hasOwn(COMMANDS, name) ? (name as CommandName) : undefined;
  let clearProgress: (() => void) | undefined;
  /** Whether the outputs read are a local stack's (`--local`, or `--outputs` naming one). */
  let localStack = false;

  const context: Context = {
    env,
    io,
    cwd,
    json,
    outputs: (names) => {
      const { local, outputs } = globals();
      const chosen = local || outputs ? useLocalStack(env, outputs, cwd) : undefined;
      localStack = chosen?.local === true;
      return loadOutputs(chosen?.file, env, names, cwd);
    },
    invocation: () => invocation(globals(), localStack),
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
    const definition = known && (await COMMANDS[known].load());
    const fast = definition && fastCall<GlobalOptions>(argv, optionSpecs(GLOBAL_OPTIONS)!, known, definition, context);
    if (fast) {
      globals = () => fast.globals;
      await fast.run();
    } else {
      const { runProgram } = await import("./program");
      await runProgram({
        argv,
        io,
        context,
        globalOptions: GLOBAL_OPTIONS,
        summaries: Object.fromEntries(Object.entries(COMMANDS).map(([command, { summary }]) => [command, summary])),
        command: known && definition ? { name: known, definition } : undefined,
        readGlobals: (read) => (globals = read),
      });
    }
    return 0;
  } catch (error) {
    clearProgress?.();
    const failure =
      error instanceof CliError
        ? error
        : new CliError("Unexpected", `Unexpected error: ${(error as Error)?.message ?? String(error)}`);
    const message =
      failure instanceof UsageError
        ? `${failure.message} (see \`iam-api${known ? ` ${known}` : ""} --help\`)`
        : failure.message;
    io.stderr.write(
      json() || argv.includes("--json")
        ? `${JSON.stringify({ error: { code: failure.code, message } })}\n`
        : `iam-api: ${forTerminal(message)}\n`,
    );
    return failure.exitCode;
  }
}
