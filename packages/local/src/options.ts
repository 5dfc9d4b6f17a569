import { parseArgs } from "node:util";
import { badOption, badPort } from "./messages";

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

export function parseOptions(argv: string[]): StartOptions {
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
