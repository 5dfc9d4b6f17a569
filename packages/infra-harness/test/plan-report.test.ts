import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import type { Evaluation } from "../src/evaluation";
import { evaluate } from "../src/evaluate";
import { rolePoliciesOf } from "../src/graph";
import { planReport } from "../src/plan-report";

/** The production stage's report, pinned. After an intended change: `UPDATE_GOLDEN=1 npx vitest run <this file>`, then review the diff. */
const GOLDEN = new URL("plan-report.production.txt", import.meta.url);

/**
 * The report with what the Pulumi mocks make up replaced by placeholders: resource ids and the
 * random suffixes of physical names. What the app decides (names, settings, grants) stays.
 */
const normalised = (text: string) =>
  text
    .replace(/\b([a-z0-9-]+bucket)-[a-z0-9]{8}\b/g, "$1-<suffix>")
    .replace(/https:\/\/[a-z0-9]+\.execute-api\./g, "https://<api-id>.execute-api.")
    .replace(/https:\/\/[a-z0-9]+\.cloudfront\.net/g, "https://<distribution-id>.cloudfront.net")
    .replace(/\b([a-z]{2}-[a-z]+-\d):[0-9a-f-]{36}\b/g, "$1:<identity-pool-id>")
    .replace(/\b([a-z]{2}-[a-z]+-\d)_[A-Za-z0-9]{9}\b/g, "$1_<user-pool-id>")
    .replace(/\b[a-z0-9]{26}\b/g, "<user-pool-client-id>");

describe("npm run plan's report", () => {
  let production: Evaluation;
  beforeAll(async () => {
    production = await evaluate({ stage: "production" });
  }, 120_000);

  test("for the production stage reads as the golden file beside this test", () => {
    const text = normalised(planReport(production).text);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, `${text}\n`);
    expect(text).toBe(readFileSync(GOLDEN, "utf8").replace(/\n$/, ""));
  });

  test("a clean stage exits 0; a security finding exits 1 and is listed", () => {
    expect(planReport(production).exitCode).toBe(0);
    const copy: Evaluation = structuredClone(production);
    const [logs] = rolePoliciesOf(copy, rolesWithLogs(copy)[0]);
    const policy = JSON.parse(logs.inputs.policy);
    policy.Statement[0].Action = "logs:*";
    logs.inputs.policy = JSON.stringify(policy);
    const { text, exitCode } = planReport(copy);
    expect(exitCode).toBe(1);
    expect(text).toContain(`  ✗ no-wildcard-actions: aws:iam/rolePolicy:RolePolicy::${logs.name} allows logs:*`);
    expect(text).not.toContain("✓ no findings");
  });
});

/** The Lambda roles that carry a RolePolicy (their log grant). */
const rolesWithLogs = (evaluation: Evaluation) =>
  evaluation.resources.filter(
    (resource) => resource.type === "aws:iam/role:Role" && rolePoliciesOf(evaluation, resource).length,
  );
