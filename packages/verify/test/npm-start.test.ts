// The proof issue 18 asks for: `npm run verify -- --local` against the local stack `npm start`
// serves (its web client on Vite included), both as a user runs them, in a temp project whose
// .sst/local/ holds the stack's data and outputs.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TEST_ENDPOINT_ENV } from "@iam-auth-api/cli/test-settings";
import { freePortBase, type LocalStack, STARTUP_MS, startLocal } from "@iam-auth-api/loopback/npm-start";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "./stack";

let project: string;
let stack: LocalStack;

/** A user's shell without AWS credentials or endpoint variables: `--local` supplies both. */
function userEnv(): Record<string, string> {
  const env = { ...process.env } as Record<string, string>;
  for (const name of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    ...Object.values(TEST_ENDPOINT_ENV),
  ])
    delete env[name];
  return { ...env, AWS_EC2_METADATA_DISABLED: "true" };
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "iam-api-verify-start-"));
  const dataDir = join(project, ".sst/local");
  stack = await startLocal(["--port", String(await freePortBase()), "--data-dir", dataDir], {
    web: true,
    env: userEnv(),
  });
}, STARTUP_MS);

afterAll(async () => {
  await stack?.stop();
  await rm(project, { recursive: true, force: true });
});

it("npm run verify -- --local passes every check against npm start but the deployed site's headers", async () => {
  // What the npm script runs, from the project `npm start` wrote .sst/local/outputs.json into.
  const script = (
    JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { verify: string } }
  ).scripts.verify;
  expect(script).toBe("node --import tsx packages/verify/src/main.ts");
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href,
      join(REPO_ROOT, "packages/verify/src/main.ts"),
      "--local",
    ],
    { cwd: project, env: userEnv() },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on("close", resolve));
  expect(stderr).toBe("");
  const lines = stdout.split("\n").filter((text) => /^[✓✗–] /.test(text));
  // The page comes from Vite's dev server, which sends no security headers: the one check only a deployed site settles.
  expect(lines.filter((text) => !text.startsWith("✓")).map((text) => text.split(":")[0])).toEqual([
    "– the site sends its security headers and its page's CSP",
  ]);
  expect(lines.filter((text) => text.startsWith("✓"))).toHaveLength(22);
  expect(stdout).toMatch(/^✓ a DEEP_ARCHIVE upload is refused: .* → 403 AccessDenied/m);
  expect(stdout).toMatch(/^✓ a server-side copy is refused: .* → 403 AccessDenied/m);
  expect(stdout).toMatch(/^✓ after a global sign-out the identity pool refuses .* → NotAuthorizedException/m);
  expect(stdout).toMatch(/^No check failed: 22 passed, 0 failed, 1 not settled on this stage/m);
  expect(code).toBe(0);
}, 120_000);
