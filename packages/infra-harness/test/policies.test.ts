import { beforeAll, describe, expect, test } from "vitest";
import type { Evaluation, PlannedResource } from "../src/evaluation";
import { evaluate } from "../src/evaluate";
import { identityPoolRole } from "../src/graph";
import { planReport } from "../src/plan-report";
import { identityPolicies, UnreadablePolicies } from "../src/policies";
import { findings } from "../src/rules";

/** An AWS managed policy whose document managed-policies.ts does not hold. */
const UNKNOWN = "arn:aws:iam::aws:policy/AmazonS3FullAccess";

/**
 * A role carrying an AWS managed policy nobody here has read is judged by no one: the one reader of
 * a role's policies refuses it, and the simulator, every rule that reads policies and the plan say so.
 */
describe("a role with an AWS managed policy unknown offline", () => {
  let changed: Evaluation;
  let role: PlannedResource;
  beforeAll(async () => {
    changed = structuredClone(await evaluate({ stage: "production" }));
    role = identityPoolRole(changed, "authenticated");
    role.inputs.managedPolicyArns = [UNKNOWN];
  }, 120_000);

  test("identityPolicies refuses it and names the file to add its document to", () => {
    expect(() => identityPolicies(changed, role)).toThrow(UnreadablePolicies);
    expect(() => identityPolicies(changed, role)).toThrow(
      `Unknown managed policy ${UNKNOWN} on role ${role.name}: add its document to packages/infra-harness/src/managed-policies.ts`,
    );
  });

  test("the rules that read policies cannot judge the role, and say so", () => {
    const about = findings(changed).filter((finding) => finding.resource.endsWith(`::${role.name}`));
    expect(about.map((finding) => `${finding.rule}: ${finding.message.replace(/:.*/, "")}`)).toEqual([
      "no-wildcard-actions: cannot be judged",
      "no-wildcard-resources: cannot be judged",
      "no-aws-managed-policies: carries arn",
    ]);
  });

  test("the plan prints why its grants are missing and exits 1", () => {
    const { text, exitCode } = planReport(changed);
    expect(text).toContain(`grants unreadable: Unknown managed policy ${UNKNOWN} on role ${role.name}`);
    expect(exitCode).toBe(1);
  });
});
