/**
 * `npm run verify`'s command line, for any process: `env`, `io` and `cwd` are all it reads and writes
 * of its process (the AWS SDK's credential chain aside), so that `main.ts` passes the process's own
 * and tests run many command lines in one process, as the CLI's `main` does. Exit 0 when every check
 * passed, 1 when one failed, 2 for a usage error, 130 when `run` was interrupted.
 */
import { UsageError } from "@iam-auth-api/cli/cli-error";
import type { Io } from "@iam-auth-api/cli/terminal";
import { line, summary } from "./report";
import { resolveStage } from "./stage";
import type { Run } from "./verify";

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: Pick<Io, "stdout" | "stderr">,
  {
    cwd = process.cwd(),
    // Ctrl-C sets `interrupted` on it (main.ts): the check under way finishes, then clean-up runs.
    run = { outcomes: [], interrupted: false },
  }: { cwd?: string; run?: Run } = {},
): Promise<number> {
  let stage: Awaited<ReturnType<typeof resolveStage>>;
  try {
    stage = await resolveStage(argv, env, cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
  io.stdout.write(
    `Verifying stage ${stage.name} (${stage.outputsFile}): API ${stage.outputs.Api}, site ${stage.outputs.Web}, region ${stage.outputs.Region}\n`,
  );
  // Loaded only once the command line and outputs are known good: a usage error answers at once.
  const { verify } = await import("./verify");
  const { removed, failures } = await verify(stage, run, (outcome) => io.stdout.write(`${line(outcome)}\n`));
  for (const text of summary(run.outcomes, removed, failures, run.interrupted)) io.stdout.write(`${text}\n`);
  if (run.interrupted) return 130;
  return run.outcomes.some((outcome) => outcome.status === "fail") || failures.length ? 1 : 0;
}
