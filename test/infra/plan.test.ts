import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const USAGE = "Usage: npm run plan -- --stage <stage>";

/** `npm run plan -- <args>` as npm runs it, with whatever npm would put in the environment. */
function plan(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
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
    const stage = `plan-test-${process.pid}`;
    writeFileSync(`.env.${stage}`, "TWITTER_CONSUMER_KEY=consumer-key\n");
    try {
      const run = plan(["--stage", stage, "--secret", "TwitterConsumerSecret"]);
      expect(run.code, run.lines.join("\n")).toBe(0);
      expect(run.stdout).toContain("TwitterConsumerSecret");
    } finally {
      rmSync(`.env.${stage}`);
    }
  });
});
