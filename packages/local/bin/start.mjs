#!/usr/bin/env node
// `npm start`: plain JavaScript, so that a machine without the install or with an old Node gets one
// line saying what to do (exit 2) instead of a stack trace; then the TypeScript entry through tsx.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const OLDEST_SUPPORTED_NODE = 22;
const root = fileURLToPath(new URL("../../..", import.meta.url));

function fail(message) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

if (Number(process.versions.node.split(".")[0]) < OLDEST_SUPPORTED_NODE)
  fail(`Node ${process.version} is too old: install Node ${OLDEST_SUPPORTED_NODE} or newer, then run npm start again.`);
for (const name of ["tsx", "cognito-local", "s3rver", "vite", "@cloud-copilot/iam-simulate"]) {
  try {
    import.meta.resolve(name === "tsx" ? "tsx/esm/api" : name);
  } catch {
    fail(
      `${name} is not installed: run \`npm install\` at the repository root (dev dependencies included), then npm start again.`,
    );
  }
}
// The offline evaluation runs SST's own components from .sst/platform: install them on first use.
if (!existsSync(`${root}.sst/platform/node_modules/@pulumi/pulumi`)) {
  try {
    execFileSync(process.execPath, [`${root}scripts/install-platform.mjs`], { stdio: "inherit" });
  } catch {
    fail(
      "SST's platform could not be installed into .sst/platform: run `npm run platform` to see why, then npm start again.",
    );
  }
}

const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/main.ts");
// Exit when stopped: nothing of the stack may keep running behind the terminal.
process.exit(await main(process.argv.slice(2)));
