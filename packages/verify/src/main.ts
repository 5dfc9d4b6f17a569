/**
 * `npm run verify -- --stage <stage>` (or `--local`): proves a running stage end to end from the
 * outside. Exit 0 when every check passed, 1 when one failed, 2 for a usage error (unknown flag,
 * missing outputs or AWS credentials, production without --yes), 130 on Ctrl-C.
 */
import { UsageError } from "@iam-auth-api/cli/cli-error";
import { interrupted } from "./messages";
import { stopSettling } from "./settle";
import { line, summary } from "./report";
import { resolveStage } from "./stage";
import type { Run } from "./verify";

async function main(): Promise<number> {
  let stage: Awaited<ReturnType<typeof resolveStage>>;
  try {
    stage = await resolveStage(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  process.stdout.write(
    `Verifying stage ${stage.name} (${stage.outputsFile}): API ${stage.outputs.Api}, site ${stage.outputs.Web}, region ${stage.outputs.Region}\n`,
  );
  const run: Run = { outcomes: [], interrupted: false };
  const stop = () => {
    // A second Ctrl-C (or SIGTERM) leaves at once; the first lets clean-up run.
    if (run.interrupted) process.exit(130);
    run.interrupted = true;
    stopSettling();
    process.stderr.write(`${interrupted()}\n`);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Loaded only once the command line and outputs are known good: a usage error answers at once.
  const { verify } = await import("./verify");
  const { removed, failures } = await verify(stage, run, (outcome) => process.stdout.write(`${line(outcome)}\n`));
  for (const text of summary(run.outcomes, removed, failures, run.interrupted)) process.stdout.write(`${text}\n`);
  if (run.interrupted) return 130;
  return run.outcomes.some((outcome) => outcome.status === "fail") || failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
