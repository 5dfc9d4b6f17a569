// `npm install` runs this (the root `prepare`): it builds the iam-api CLI into packages/cli/dist with
// esbuild, a devDependency. A production-only install (`npm ci --omit=dev`) has no esbuild: it skips
// the build, says so, and succeeds. A failing build still fails the install.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

try {
  createRequire(import.meta.url).resolve("esbuild");
} catch {
  console.log(
    "prepare: esbuild is not installed (a production-only install), so the iam-api CLI is not built; `npm install` builds it.",
  );
  process.exit(0);
}
// npm sets npm_execpath while it runs a script: the same npm, without relying on PATH or a shell.
const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
const build = spawnSync(npm[0], [...npm[1], "run", "build", "-w", "packages/cli"], { stdio: "inherit" });
process.exit(build.status ?? 1);
