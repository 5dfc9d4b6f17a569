import { describe, expect, test } from "vitest";
import type { Evaluation, PlannedResource } from "../harness/evaluation";
import { single } from "../harness/graph";
import { findings, RULES } from "../harness/rules";
import { STAGES, useEvaluation } from "./fixtures";

describe.each(STAGES)("security rules (%s)", (stage) => {
  const app = useEvaluation({ stage });

  test("the app breaks none of them", () => {
    const found = findings(app()).map((finding) => `${finding.rule}: ${finding.resource} ${finding.message}`);
    expect(found, "security rule findings").toEqual([]);
  });
});

/** Each rule, shown catching a violation planted in a copy of the evaluated production graph. */
describe("each rule catches its violation", () => {
  const app = useEvaluation({ stage: "production" });
  /** What the named rule newly finds in a copy of the graph with one resource changed. */
  const findingsAfter = (rule: string, type: string, mutate: (resource: PlannedResource, copy: Evaluation) => void) => {
    const copy: Evaluation = structuredClone(app());
    mutate(single(copy, type), copy);
    const before = new Set(findings(app()).map((finding) => JSON.stringify(finding)));
    return findings(copy).filter((finding) => finding.rule === rule && !before.has(JSON.stringify(finding)));
  };
  const editPolicy = (text: string, edit: (policy: { Statement: Record<string, any>[] }) => void) => {
    const policy = JSON.parse(text);
    edit(policy);
    return JSON.stringify(policy);
  };

  test("every rule is exercised below", () => {
    expect(RULES.map((rule) => rule.id).sort()).toEqual([
      "api-access-logs",
      "bucket-public-access-block",
      "bucket-tls-only",
      "identity-pool-no-guests",
      "no-wildcard-actions",
      "user-pool-password-policy",
    ]);
  });

  test("no-wildcard-actions: a role allowed s3:*", () => {
    const caught = findingsAfter("no-wildcard-actions", "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment", (attachment, copy) => {
      const role = copy.resources.find((resource) => resource.outputs.arn === attachment.inputs.roles.authenticated)!;
      role.inputs.inlinePolicies[0].policy = editPolicy(role.inputs.inlinePolicies[0].policy, (policy) => {
        policy.Statement[0].Action = ["s3:*"];
      });
    });
    expect(caught.map((finding) => finding.message)).toEqual(["allows s3:*"]);
  });

  test("no-wildcard-actions: a role allowed everything but one action", () => {
    const caught = findingsAfter("no-wildcard-actions", "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment", (attachment, copy) => {
      const role = copy.resources.find((resource) => resource.outputs.arn === attachment.inputs.roles.authenticated)!;
      role.inputs.inlinePolicies[0].policy = editPolicy(role.inputs.inlinePolicies[0].policy, (policy) => {
        policy.Statement[0] = { Effect: "Allow", NotAction: "iam:*", Resource: "*" };
      });
    });
    expect(caught).toHaveLength(1);
  });

  test("bucket-public-access-block: a public policy allowed", () => {
    const caught = findingsAfter("bucket-public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (block) => {
      block.inputs.blockPublicPolicy = false;
    });
    expect(caught.map((finding) => finding.message)).toEqual(["lacks blockPublicPolicy"]);
  });

  test("bucket-public-access-block: no block at all", () => {
    const caught = findingsAfter("bucket-public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (block, copy) => {
      copy.resources.splice(copy.resources.indexOf(block), 1);
    });
    expect(caught.map((finding) => finding.message)).toEqual(["lacks the public access block"]);
  });

  test("bucket-tls-only: a bucket policy without the TLS deny", () => {
    const caught = findingsAfter("bucket-tls-only", "aws:s3/bucketPolicy:BucketPolicy", (bucketPolicy) => {
      bucketPolicy.inputs.policy = editPolicy(bucketPolicy.inputs.policy, (policy) => {
        policy.Statement = policy.Statement.filter((statement) => statement.Effect !== "Deny");
      });
    });
    expect(caught).toHaveLength(1);
  });

  test("bucket-tls-only: a TLS deny that spares the objects", () => {
    const caught = findingsAfter("bucket-tls-only", "aws:s3/bucketPolicy:BucketPolicy", (bucketPolicy) => {
      bucketPolicy.inputs.policy = editPolicy(bucketPolicy.inputs.policy, (policy) => {
        for (const statement of policy.Statement) statement.Resource = [statement.Resource].flat()[0];
      });
    });
    expect(caught).toHaveLength(1);
  });

  test("api-access-logs: a stage without access logs", () => {
    const caught = findingsAfter("api-access-logs", "aws:apigatewayv2/stage:Stage", (apiStage) => {
      delete apiStage.inputs.accessLogSettings;
    });
    expect(caught).toHaveLength(1);
  });

  test("user-pool-password-policy: short passwords without symbols", () => {
    const caught = findingsAfter("user-pool-password-policy", "aws:cognito/userPool:UserPool", (pool) => {
      pool.inputs.passwordPolicy.minimumLength = 6;
      pool.inputs.passwordPolicy.requireSymbols = false;
    });
    expect(caught.map((finding) => finding.message)).toEqual(["minimumLength 6", "no requireSymbols"]);
  });

  test("identity-pool-no-guests: guests enabled", () => {
    const caught = findingsAfter("identity-pool-no-guests", "aws:cognito/identityPool:IdentityPool", (pool) => {
      pool.inputs.allowUnauthenticatedIdentities = true;
    });
    expect(caught).toHaveLength(1);
  });
});
