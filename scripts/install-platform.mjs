// Installs SST's platform (.sst/platform: component sources, types, Pulumi) without internet.
// `sst install` normally downloads bun and the Pulumi CLI from GitHub; bun comes from npm here,
// and the Pulumi CLI is only needed to deploy, which never happens from this script.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wanted = JSON.parse(readFileSync(join(root, "node_modules/sst/package.json"), "utf8")).version;
const versionFile = join(root, ".sst/platform/version");
const installed = existsSync(versionFile) ? readFileSync(versionFile, "utf8").trim() : undefined;

if (installed === wanted && existsSync(join(root, ".sst/platform/node_modules/@pulumi/pulumi"))) {
  process.exit(0);
}

console.error(`Installing the SST ${wanted} platform into .sst/platform (offline mode)…`);
execFileSync(join(root, "node_modules/.bin/sst"), ["install", "--stage", process.env.SST_STAGE ?? "dev"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    SST_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
    SST_BUN_PATH: join(root, "node_modules/.bin/bun"),
    SST_SKIP_DEPENDENCY_CHECK: "true",
  },
});
