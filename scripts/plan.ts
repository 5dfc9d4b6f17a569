// `npm run plan -- --stage <stage>`: what `sst deploy` would create for a stage, evaluated offline
// (the command is `runPlan` in @iam-auth-api/infra-harness/plan-command).
import { runPlan } from "@iam-auth-api/infra-harness/plan-command";

const { code, stdout, stderr } = await runPlan(process.argv.slice(2), { env: process.env, cwd: process.cwd() });
process.stdout.write(stdout);
process.stderr.write(stderr);
process.exit(code);
