// `npm run plan -- --stage <stage>` (scripts/plan.ts): what `sst deploy` would create for a stage,
// evaluated offline from the real sst.config.ts under Pulumi mocks (no AWS account), and the
// security rule findings (`planReport`). Exits 1 when a rule finds something, 2 on a usage mistake;
// warnings are printed and leave the exit code alone. Returns what to print, so tests run it in-process.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { evaluate } from "./evaluate";
import { planReport } from "./plan-report";

/** What the command prints and its exit code. */
export interface PlanRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where the command runs: npm's environment and the directory whose `.env` files hold stage settings. */
export interface PlanContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const USAGE =
  "Usage: npm run plan -- --stage <stage> [--secret <name>]…  (--secret: a secret `sst secret set` holds for the stage)";

/** The environment `sst` gives the app for a stage: `.env`, then `.env.<stage>` over it. */
function stageEnv(stage: string, cwd: string): Record<string, string> {
  return Object.assign(
    {},
    ...[".env", `.env.${stage}`]
      .map((file) => join(cwd, file))
      .filter(existsSync)
      .map((file) => parseEnv(readFileSync(file, "utf8"))),
  );
}

/** A usage mistake: one line saying what to type instead, exit 2. */
function usage(problem: string, { env }: PlanContext): PlanRun {
  // Without `--`, npm takes `--stage` as its own setting and hands the script what is left.
  const forgottenDashes = env.npm_config_stage !== undefined || env.npm_config_secret !== undefined;
  const line = forgottenDashes
    ? `npm kept the options for itself: put -- before them. ${USAGE}`
    : `${problem} ${USAGE}`;
  return { code: 2, stdout: "", stderr: `${line}\n` };
}

function options(args: string[]) {
  try {
    return parseArgs({ args, options: { stage: { type: "string" }, secret: { type: "string", multiple: true } } })
      .values;
  } catch (error) {
    // node:util's own message names the option ("Option '--stage <value>' argument missing").
    return `${(error as Error).message.split("\n")[0]}.`;
  }
}

export async function runPlan(args: string[], context: PlanContext): Promise<PlanRun> {
  const values = options(args);
  if (typeof values === "string") return usage(values, context);
  if (!values.stage) return usage("Which stage?", context);
  const secrets = values.secret ?? [];
  const evaluation = await evaluate({
    stage: values.stage,
    env: stageEnv(values.stage, context.cwd),
    // Only whether a secret is set changes what is created; its value never leaves `sst`.
    secrets: Object.fromEntries(secrets.map((name) => [name, "<secret>"])),
  }).catch((error: Error) => error);
  if (evaluation instanceof Error) return { code: 2, stdout: "", stderr: `${evaluation.message}\n` };
  // The app reads a secret through `new sst.Secret(name)`; any other name is a typo, not a setting.
  const undeclared = secrets.filter(
    (name) => !evaluation.resources.some((resource) => resource.type === "sst:sst:Secret" && resource.name === name),
  );
  if (undeclared.length) {
    return usage(
      `The app reads no secret named ${undeclared.join(", ")} for stage "${values.stage}": check the name in infra/.`,
      context,
    );
  }
  const { text, exitCode } = planReport(evaluation);
  return { code: exitCode, stdout: `${text}\n`, stderr: "" };
}
