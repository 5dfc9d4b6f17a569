/**
 * What `npm run verify` says when it cannot start: one line each, what happened then what to do.
 * (The checks' own lines say what was sent and what came back; their wording lives beside each check.)
 */

export const USAGE =
  "Usage: npm run verify -- --stage <stage> [--outputs <file>] [--yes]   or   npm run verify -- --local [--outputs <file>]";

export function unknownOption(detail: string): string {
  return `${detail}: ${USAGE}`;
}

export function noStage(): string {
  return `Say which stage to verify: --stage <stage> (the stage .sst/outputs.json was last written for, or --outputs <file>), or --local for the stack \`npm start\` runs. ${USAGE}`;
}

export function localWithStage(): string {
  return `--local verifies the stack \`npm start\` runs and reads .sst/local/outputs.json (or --outputs <file>, when npm start had --data-dir): leave out --stage. ${USAGE}`;
}

export function productionNeedsYes(stage: string): string {
  return `Stage ${stage} is production: verify creates two throwaway users and a few files there and deletes them again; add --yes to go ahead.`;
}

export function missingWebOutput(file: string): string {
  return `The deploy output "Web" is missing from ${file}: run \`npx sst deploy\`, which writes it, and verify again.`;
}

export function noAwsCredentials(): string {
  return "verify creates and deletes its two throwaway users with your own AWS credentials (the deployer's) and found none: set AWS_PROFILE, or run `aws configure` (or `aws sso login`), then verify again.";
}

export function interrupted(): string {
  return "Interrupted: removing the users and files verify created (Ctrl-C again to stop at once, leaving them).";
}
