import { readFile } from "node:fs/promises";
import { OUTPUT_NAMES, outputEnvName, type OutputName } from "@iam-auth-api/client/settings";
import { CliError } from "./cli-error";

export const DEFAULT_OUTPUTS_FILE = ".sst/outputs.json";

export interface Outputs {
  /** The output's value, or a CliError naming it and what writes it. */
  get(name: OutputName): string;
  /** Every output that is set, for `config`. */
  all(): Partial<Record<OutputName, string>>;
}

export async function loadOutputs(file: string | undefined, env: NodeJS.ProcessEnv): Promise<Outputs> {
  const path = file ?? DEFAULT_OUTPUTS_FILE;
  const fromFile = await readOutputsFile(path, file !== undefined);
  const values: Partial<Record<OutputName, string>> = {};
  for (const name of OUTPUT_NAMES) {
    const value = env[outputEnvName(name)] || fromFile?.[name];
    if (typeof value === "string" && value.length > 0) values[name] = value;
  }
  return {
    get(name) {
      const value = values[name];
      if (value !== undefined) return value;
      const where = fromFile ? `is missing from ${path}` : `is not set (${path} does not exist)`;
      throw new CliError(
        "MissingOutput",
        `The deploy output "${name}" ${where}: run \`npx sst deploy\` (or \`npx sst dev\`), which writes it, or set ${outputEnvName(name)}.`,
      );
    },
    all: () => ({ ...values }),
  };
}

async function readOutputsFile(path: string, explicit: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (explicit) throw new CliError("MissingOutputs", `The outputs file ${path} does not exist: pass the .sst/outputs.json that \`npx sst deploy\` wrote.`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError("InvalidOutputs", `${path} is not a JSON object of outputs: run \`npx sst deploy\` (or \`npx sst dev\`) again to rewrite it.`);
  }
  return parsed as Record<string, unknown>;
}
