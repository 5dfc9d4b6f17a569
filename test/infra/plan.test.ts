import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runPlan } from "@iam-auth-api/infra-harness/plan-command";

const USAGE = "Usage: npm run plan -- --stage <stage>";
const PLAN = resolve("scripts/plan.ts");
const TSX = createRequire(import.meta.url).resolve("tsx");

/**
 * A directory of the test's own holding `.env.plan-test`, so the stage keeps one name (and its
 * evaluation stays cached) without two runs at once sharing the settings file.
 */
const directory = mkdtempSync(join(tmpdir(), "plan-test-"));
writeFileSync(join(directory, ".env.plan-test"), "TWITTER_CONSUMER_KEY=consumer-key\n");
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const result = ({ code, stdout, stderr }: { code: number | null; stdout: string; stderr: string }) => ({
  code,
  stdout,
  lines: stderr.trim().split("\n"),
});

/** `npm run plan -- <args>` as npm runs it (a process of its own), with whatever npm would put in the environment. */
function planProcess(args: string[], cwd = process.cwd()) {
  const run = spawnSync(process.execPath, ["--import", TSX, PLAN, ...args], { encoding: "utf8", cwd });
  return result({ code: run.status, stdout: run.stdout, stderr: run.stderr });
}

/** The same command in this process: what it prints and its exit code. */
async function plan(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  return result(await runPlan(args, { env: { ...process.env, ...env }, cwd }));
}

describe("npm run plan's command line", () => {
  test("a process of its own: a usage mistake is one line on stderr, exit 2", () => {
    const run = planProcess([]);
    expect(run.lines, "stderr").toEqual([
      `Which stage? ${USAGE} [--secret <name>]…  (--secret: a secret \`sst secret set\` holds for the stage)`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout, "no plan printed").toBe("");
  });

  test("a process of its own: a secret the app reads is accepted, with the stage setting plan reads from .env.<stage>", () => {
    const run = planProcess(["--stage", "plan-test", "--secret", "TwitterConsumerSecret"], directory);
    expect(run.code, run.lines.join("\n")).toBe(0);
    expect(run.stdout).toContain("TwitterConsumerSecret");
  });

  test.each([
    [["--stage"], "Option '--stage <value>' argument missing."],
    [["--stage", "dev", "--secret"], "Option '--secret <value>' argument missing."],
    [["--stage", "dev", "--verbose"], "Unknown option '--verbose'."],
    [[], "Which stage?"],
  ])("%j: one line saying what to type, exit 2", async (args, problem) => {
    const run = await plan(args);
    expect(run.lines, "stderr").toEqual([
      `${problem} ${USAGE} [--secret <name>]…  (--secret: a secret \`sst secret set\` holds for the stage)`,
    ]);
    expect(run.code).toBe(2);
  });

  test("a forgotten -- (npm keeps --stage for itself and passes the rest) says to add it", async () => {
    const run = await plan(["prod"], { npm_config_stage: "true" });
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^npm kept the options for itself: put -- before them\. Usage:/);
    expect(run.code).toBe(2);
  });

  test("a --secret the app does not read is an error, not a silent no-op", async () => {
    const run = await plan(["--stage", "dev", "--secret", "TwiterConsumerSecret"]);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^The app reads no secret named TwiterConsumerSecret for stage "dev"/);
    expect(run.code).toBe(2);
    expect(run.stdout, "no plan printed").toBe("");
  });

  test("a secret the app reads is accepted, with the stage setting plan reads from .env.<stage>", async () => {
    const run = await plan(["--stage", "plan-test", "--secret", "TwitterConsumerSecret"], {}, directory);
    expect(run.code, run.lines.join("\n")).toBe(0);
    expect(run.stdout).toContain("TwitterConsumerSecret");
  });
});
