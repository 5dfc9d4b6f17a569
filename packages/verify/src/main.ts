/**
 * `npm run verify -- --stage <stage>` (or `--local`): proves a running stage end to end from the
 * outside (cli.ts). This entry gives it the process: argv, env, stdout and stderr, Ctrl-C, the exit code.
 */
import { main } from "./cli";
import { interrupted } from "./messages";
import { stopSettling } from "./settle";
import type { Run } from "./verify";

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

main(process.argv.slice(2), process.env, process, { run }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
