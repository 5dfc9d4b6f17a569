import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const USAGE = "Usage: npm run plan -- --stage <stage>";
const PLAN = resolve("scripts/plan.ts");
const TSX = createRequire(import.meta.url).resolve("tsx");

/** `npm run plan -- <args>` as npm runs it, with whatever npm would put in the environment, in `cwd`. */
function plan(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  const run = spawnSync(process.execPath, ["--import", TSX, PLAN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    cwd,
  });
  return { code: run.status, stdout: run.stdout, lines: run.stderr.trim().split("\n") };
}

describe("npm run plan's command line", () => {
  test.each([
    [["--stage"], "Option '--stage <value>' argument missing."],
    [["--stage", "dev", "--secret"], "Option '--secret <value>' argument missing."],
    [["--stage", "dev", "--verbose"], "Unknown option '--verbose'."],
    [[], "Which stage?"],
  ])("%j: one line saying what to type, exit 2", (args, problem) => {
    const run = plan(args);
    expect(run.lines, "stderr").toEqual([
      `${problem} ${USAGE} [--secret <name>]…  (--secret: a secret \`sst secret set\` holds for the stage)`,
    ]);
    expect(run.code).toBe(2);
  });

  test("a forgotten -- (npm keeps --stage for itself and passes the rest) says to add it", () => {
    const run = plan(["prod"], { npm_config_stage: "true" });
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^npm kept the options for itself: put -- before them\. Usage:/);
    expect(run.code).toBe(2);
  });

  test("a --secret the app does not read is an error, not a silent no-op", () => {
    const run = plan(["--stage", "dev", "--secret", "TwiterConsumerSecret"]);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^The app reads no secret named TwiterConsumerSecret for stage "dev"/);
    expect(run.code).toBe(2);
    expect(run.stdout, "no plan printed").toBe("");
  });

  test("a secret the app reads is accepted, with the stage setting plan reads from .env.<stage>", () => {
    // In a directory of its own, so the stage can keep one name (and its evaluation stay cached)
    // without two runs at once sharing the settings file.
    const directory = mkdtempSync(join(tmpdir(), "plan-test-"));
    writeFileSync(join(directory, ".env.plan-test"), "TWITTER_CONSUMER_KEY=consumer-key\n");
    try {
      const run = plan(["--stage", "plan-test", "--secret", "TwitterConsumerSecret"], {}, directory);
      expect(run.code, run.lines.join("\n")).toBe(0);
      expect(run.stdout).toContain("TwitterConsumerSecret");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
