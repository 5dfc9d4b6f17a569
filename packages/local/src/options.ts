import { parseArgs } from "node:util";
import { badOption, badPort, swallowedByNpm } from "./messages";

/** The first of the five ports, in the order of `SERVICE_PORTS`. */
export const DEFAULT_PORT_BASE = 4700;

/** Each service's port as an offset from `--port`. */
export const SERVICE_PORTS = {
  api: { offset: 0, name: "API" },
  cognitoIdp: { offset: 1, name: "user pool" },
  cognitoIdentity: { offset: 2, name: "identity pool" },
  s3: { offset: 3, name: "S3" },
  codes: { offset: 4, name: "emailed codes" },
} as const;

export interface StartOptions {
  help: boolean;
  reset: boolean;
  portBase: number;
  dataDir: string | undefined;
  /** The SST config to evaluate, relative to the repository root. */
  config: string | undefined;
  web: boolean;
}

export class UsageError extends Error {}

/**
 * npm keeps an option given before `--` (`npm start --reset`) as its own config, `npm_config_reset`,
 * and runs the script without it: refused, or the stack would start as if it had not been given.
 */
const SWALLOWED_BY_NPM = {
  npm_config_reset: () => "--reset",
  npm_config_port: (value: string) => `--port ${/^\d+$/.test(value) ? value : "<base>"}`,
  npm_config_data_dir: (value: string) => `--data-dir ${value === "true" ? "<dir>" : value}`,
  // `--no-web` sets it empty (or "false"); `--web` is what npm start does anyway.
  npm_config_web: (value: string) => (value === "true" ? undefined : "--no-web"),
  npm_config_config: (value: string) => `--config ${value === "true" ? "<file>" : value}`,
} satisfies Record<string, (value: string) => string | undefined>;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = {}): StartOptions {
  for (const [name, option] of Object.entries(SWALLOWED_BY_NPM)) {
    const swallowed = env[name] === undefined ? undefined : option(env[name]);
    if (swallowed) throw new UsageError(swallowedByNpm(swallowed));
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(
      badOption(
        String((error as Error).message)
          .replace(/\.$/, "")
          .split(". ")[0],
      ),
    );
  }
  const { values } = parsed;
  const portText = values.port ?? String(DEFAULT_PORT_BASE);
  const portBase = Number(portText);
  if (!/^\d+$/.test(portText) || portBase < 1 || portBase + 4 > 65535) throw new UsageError(badPort(portText));
  return {
    help: values.help ?? false,
    reset: values.reset ?? false,
    portBase,
    dataDir: values["data-dir"],
    config: values.config,
    web: !values["no-web"],
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      reset: { type: "boolean" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      config: { type: "string" },
      "no-web": { type: "boolean" },
    },
  });
}
