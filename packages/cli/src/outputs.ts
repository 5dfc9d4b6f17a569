// Synchronous file access: node:fs/promises alone costs a command a few milliseconds to load.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { outputEnvName, type OutputName } from "@iam-auth-api/client/settings";
import { CliError } from "./cli-error";
import { TEST_ENDPOINT_ENV } from "./test-settings";

export const DEFAULT_OUTPUTS_FILE = ".sst/outputs.json";
/** What `npm start` writes: the local stack's outputs, plus `Endpoints`, its Cognito and S3 URLs by service. */
export const LOCAL_OUTPUTS_FILE = ".sst/local/outputs.json";

/**
 * `--local` (or `--outputs <file>`): the outputs file to read, `npm start`'s by default. When it is a
 * local stack's (it carries `Endpoints`, wherever `--data-dir` put it), its Cognito and S3 endpoints
 * go in `env` (the clients' endpoint variables), so nobody sets them by hand. Its user pool takes
 * admin calls signed with any key: without AWS credentials, `confirm --admin` signs with a local placeholder.
 */
export function useLocalStack(
  env: NodeJS.ProcessEnv,
  file?: string,
  cwd = process.cwd(),
): { file: string; local: boolean } {
  const outputs = readOutputsFile(file ?? LOCAL_OUTPUTS_FILE, file !== undefined, cwd);
  if (file !== undefined && outputs?.Endpoints === undefined) return { file, local: false };
  if (!outputs)
    throw new CliError(
      "LocalStackNotStarted",
      `${LOCAL_OUTPUTS_FILE} does not exist: start the local stack with \`npm start\` (in another terminal), then retry.`,
    );
  const endpoints = (outputs.Endpoints ?? {}) as Partial<Record<keyof typeof TEST_ENDPOINT_ENV, string>>;
  for (const [service, name] of Object.entries(TEST_ENDPOINT_ENV))
    env[name] = endpoints[service as keyof typeof TEST_ENDPOINT_ENV] ?? env[name];
  for (const target of [env, process.env]) {
    if (!target.AWS_ACCESS_KEY_ID && !target.AWS_PROFILE) {
      target.AWS_ACCESS_KEY_ID = "LOCALSTACKADMIN";
      target.AWS_SECRET_ACCESS_KEY = "local";
    }
  }
  return { file: file ?? LOCAL_OUTPUTS_FILE, local: true };
}

/** What the user pool's public operations need (sign-up, confirmation, sign-in). */
export const USER_POOL_OUTPUTS = ["Region", "UserPool", "UserPoolClient"] as const satisfies OutputName[];
/** What a cached session needs: it is renewed through the user pool and the identity pool. */
export const SESSION_OUTPUTS = [...USER_POOL_OUTPUTS, "IdentityPool"] as const satisfies OutputName[];

/**
 * The outputs `names`, from the environment (`IAM_API_<NAME>`) or the outputs file (a relative path
 * from `cwd`); one error naming every missing one, so a single fix makes the command work.
 */
export async function loadOutputs<Name extends OutputName>(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  names: readonly Name[],
  cwd = process.cwd(),
): Promise<Record<Name, string>> {
  const path = file ?? DEFAULT_OUTPUTS_FILE;
  const fromFile = readOutputsFile(path, file !== undefined, cwd);
  const values: Partial<Record<Name, string>> = {};
  const missing: Name[] = [];
  for (const name of names) {
    const value = env[outputEnvName(name)] || fromFile?.[name];
    if (typeof value === "string" && value.length > 0) values[name] = value;
    else missing.push(name);
  }
  if (missing.length > 0) {
    const [quoted, envNames] = [missing.map((name) => `"${name}"`), missing.map(outputEnvName)];
    const plural = missing.length > 1;
    const where = fromFile
      ? `${plural ? "are" : "is"} missing from ${path}`
      : `${plural ? "are" : "is"} not set (${path} does not exist${file === undefined && existsSync(resolve(cwd, LOCAL_OUTPUTS_FILE)) ? `; for the local stack \`npm start\` serves, add --local` : ""})`;
    throw new CliError(
      "MissingOutput",
      `The deploy output${plural ? "s" : ""} ${list(quoted)} ${where}: run \`npx sst deploy\` (or \`npx sst dev\`), which writes ${plural ? "them" : "it"}, or set ${list(envNames)}.`,
    );
  }
  return values as Record<Name, string>;
}

function list(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : items[0];
}

/** The outputs file at `path` (named as the user gave it, read from `cwd`), or undefined when it does not exist. */
function readOutputsFile(path: string, explicit: boolean, cwd: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (explicit)
      throw new CliError(
        "MissingOutputs",
        `The outputs file ${path} does not exist: pass the .sst/outputs.json that \`npx sst deploy\` wrote.`,
      );
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(
      "InvalidOutputs",
      `${path} is not a JSON object of outputs: run \`npx sst deploy\` (or \`npx sst dev\`) again to rewrite it.`,
    );
  }
  return parsed as Record<string, unknown>;
}
