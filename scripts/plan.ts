// `npm run plan -- --stage <stage>`: what `sst deploy` would create for a stage, evaluated offline
// from the real sst.config.ts under Pulumi mocks (no AWS account), and the security rule findings
// (the report is `planReport` in @iam-auth-api/infra-harness/plan-report). Exits 1 when a rule finds
// something, 2 on a usage mistake; warnings are printed and leave the exit code alone.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs, parseEnv } from "node:util";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { planReport } from "@iam-auth-api/infra-harness/plan-report";

/** The environment `sst` gives the app for a stage: `.env`, then `.env.<stage>` over it. */
function stageEnv(stage: string): Record<string, string> {
  return Object.assign(
    {},
    ...[".env", `.env.${stage}`].filter(existsSync).map((file) => parseEnv(readFileSync(file, "utf8"))),
  );
}

const USAGE =
  "Usage: npm run plan -- --stage <stage> [--secret <name>]…  (--secret: a secret `sst secret set` holds for the stage)";

/** A usage mistake: one line saying what to type instead, exit 2. */
function usage(problem: string): never {
  // Without `--`, npm takes `--stage` as its own setting and hands the script what is left.
  const forgottenDashes = process.env.npm_config_stage !== undefined || process.env.npm_config_secret !== undefined;
  console.error(
    forgottenDashes ? `npm kept the options for itself: put -- before them. ${USAGE}` : `${problem} ${USAGE}`,
  );
  process.exit(2);
}

function options() {
  try {
    return parseArgs({ options: { stage: { type: "string" }, secret: { type: "string", multiple: true } } }).values;
  } catch (error) {
    // node:util's own message names the option ("Option '--stage <value>' argument missing").
    return usage(`${(error as Error).message.split("\n")[0]}.`);
  }
}

const values = options();
if (!values.stage) usage("Which stage?");
const evaluation = await evaluate({
  stage: values.stage,
  env: stageEnv(values.stage),
  // Only whether a secret is set changes what is created; its value never leaves `sst`.
  secrets: Object.fromEntries((values.secret ?? []).map((name) => [name, "<secret>"])),
}).catch((error: Error) => {
  console.error(error.message);
  process.exit(2);
});
// The app reads a secret through `new sst.Secret(name)`; any other name is a typo, not a setting.
const undeclared = (values.secret ?? []).filter(
  (name) => !evaluation.resources.some((resource) => resource.type === "sst:sst:Secret" && resource.name === name),
);
if (undeclared.length) {
  usage(
    `The app reads no secret named ${undeclared.join(", ")} for stage "${values.stage}": check the name in infra/.`,
  );
}
const { text, exitCode } = planReport(evaluation);
console.log(text);
process.exit(exitCode);
