import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { clientConfig } from "@iam-auth-api/cli/aws";
import { CliError, UsageError } from "@iam-auth-api/cli/cli-error";
import { DEFAULT_OUTPUTS_FILE, loadOutputs, useLocalStack } from "@iam-auth-api/cli/outputs";
import { OUTPUT_NAMES, type OutputName } from "@iam-auth-api/client/settings";
import {
  localWithStage,
  missingWebOutput,
  noAwsCredentials,
  noStage,
  productionNeedsYes,
  unknownOption,
} from "./messages";

/**
 * The stages `sst.config.ts` protects (its PRODUCTION_STAGES, which an SST config cannot export):
 * verify asks for --yes there. A test holds the two lists together through the app's evaluation.
 */
export const PRODUCTION_STAGES = ["production", "prod"];

export type StageOutputs = Record<OutputName | "Web", string>;

/** The stage under test: its outputs, the environment its clients use, and whether it is production. */
export interface Stage {
  /** `--stage`'s value, or `local`. */
  name: string;
  outputsFile: string;
  outputs: StageOutputs;
  production: boolean;
  /** The process environment, plus the local stack's endpoints under `--local`. */
  env: NodeJS.ProcessEnv;
}

/**
 * The command line, the outputs and the caller's AWS credentials; a UsageError (exit 2) when any is
 * missing. Relative paths are the user's, from `cwd`; messages show them as typed.
 */
export async function resolveStage(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<Stage> {
  const options = parseOptions(argv);
  const local = options.local === true;
  if (local && options.stage) throw new UsageError(localWithStage());
  if (!local && !options.stage) throw new UsageError(noStage());
  const name = local ? "local" : options.stage!;
  const production = PRODUCTION_STAGES.includes(name);
  if (production && !options.yes) throw new UsageError(productionNeedsYes(name));
  // The local stack's endpoints (and, without AWS credentials, the placeholder its user pool takes), as `iam-api --local`.
  const stageEnv = local || options.outputs ? { ...env } : env;
  const outputsFile =
    local || options.outputs
      ? asUsageSync(() => useLocalStack(stageEnv, options.outputs, cwd).file)
      : DEFAULT_OUTPUTS_FILE;
  const outputs = await stageOutputs(outputsFile, stageEnv, cwd);
  await requireAwsCredentials(outputs.Region, stageEnv);
  return { name, outputsFile, outputs, production, env: stageEnv };
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stage: { type: "string" },
        outputs: { type: "string" },
        local: { type: "boolean" },
        yes: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(unknownOption((error as Error).message.split("\n")[0].replace(/\.$/, "")));
  }
}

/** The seven outputs, as the CLI reads them (its wording when one is missing), and `Web`, which the CLI does not need. */
async function stageOutputs(file: string, env: NodeJS.ProcessEnv, cwd: string): Promise<StageOutputs> {
  const outputs = await asUsage(() => loadOutputs(file, env, OUTPUT_NAMES, cwd));
  let web: unknown;
  try {
    web = (JSON.parse(readFileSync(resolve(cwd, file), "utf8")) as { Web?: unknown }).Web;
  } catch {
    // The other six came from IAM_API_* variables: there is no file to read Web from.
    web = undefined;
  }
  if (typeof web !== "string" || !web) throw new UsageError(missingWebOutput(file));
  return { ...outputs, Web: web };
}

/** The deployer's credentials, resolved as every AWS SDK client resolves them, before anything is created. */
async function requireAwsCredentials(region: string, env: NodeJS.ProcessEnv): Promise<void> {
  const { CognitoIdentityProviderClient } = await import("@aws-sdk/client-cognito-identity-provider");
  const client = new CognitoIdentityProviderClient(clientConfig(region, "cognitoIdp", env));
  try {
    await client.config.credentials();
  } catch {
    throw new UsageError(noAwsCredentials());
  } finally {
    client.destroy();
  }
}

async function asUsage<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof CliError) throw new UsageError(error.message);
    throw error;
  }
}

function asUsageSync<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof CliError) throw new UsageError(error.message);
    throw error;
  }
}
