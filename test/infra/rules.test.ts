import { describe, expect, test } from "vitest";
import type { Evaluation, PlannedResource } from "@iam-auth-api/infra-harness/evaluation";
import {
  apiAccessLog,
  apiRoutes,
  identityPoolRole,
  inComponent,
  rolePoliciesOf,
  single,
} from "@iam-auth-api/infra-harness/graph";
import { findings, RULES, WARNINGS, warnings } from "@iam-auth-api/infra-harness/rules";
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
  const findingsAfterChange = (rule: string, mutate: (copy: Evaluation) => void) => {
    const copy: Evaluation = structuredClone(app());
    mutate(copy);
    const before = new Set(findings(app()).map((finding) => JSON.stringify(finding)));
    return findings(copy).filter((finding) => finding.rule === rule && !before.has(JSON.stringify(finding)));
  };
  const findingsAfter = (rule: string, type: string, mutate: (resource: PlannedResource, copy: Evaluation) => void) =>
    findingsAfterChange(rule, (copy) => mutate(single(copy, type), copy));
  /** The same, for a resource of the uploads bucket: the app has other buckets (the web site's assets). */
  const findingsAfterUploads = (
    rule: string,
    type: string,
    mutate: (resource: PlannedResource, copy: Evaluation) => void,
  ) => findingsAfterChange(rule, (copy) => mutate(inComponent(copy, "Uploads", type), copy));
  const editPolicy = (text: string, edit: (policy: { Statement: Record<string, any>[] }) => void) => {
    const policy = JSON.parse(text);
    edit(policy);
    return JSON.stringify(policy);
  };

  test("every rule is exercised below", () => {
    expect(RULES.map((rule) => rule.id).sort()).toEqual([
      "api-access-logs",
      "bucket-lifecycle",
      "bucket-public-access-block",
      "bucket-tls-only",
      "identity-pool-no-guests",
      "identity-pool-token-check",
      "lambda-logs-own-group",
      "no-aws-managed-policies",
      "no-wildcard-actions",
      "no-wildcard-resources",
      "user-pool-password-policy",
    ]);
  });

  test("no-wildcard-actions: a role allowed s3:*", () => {
    const caught = findingsAfterChange("no-wildcard-actions", (copy) => {
      const role = identityPoolRole(copy, "authenticated");
      role.inputs.inlinePolicies[0].policy = editPolicy(role.inputs.inlinePolicies[0].policy, (policy) => {
        policy.Statement[0].Action = ["s3:*"];
      });
    });
    expect(caught.map((finding) => finding.message)).toEqual(["allows s3:*"]);
  });

  test("no-wildcard-actions: a role allowed everything but one action", () => {
    const caught = findingsAfterChange("no-wildcard-actions", (copy) => {
      const role = identityPoolRole(copy, "authenticated");
      role.inputs.inlinePolicies[0].policy = editPolicy(role.inputs.inlinePolicies[0].policy, (policy) => {
        policy.Statement[0] = { Effect: "Allow", NotAction: "iam:*", Resource: "*" };
      });
    });
    expect(caught).toHaveLength(1);
  });

  /** SST 4.17.1's default for a Function role: the managed policy the app removes. */
  const BASIC_EXECUTION_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
  const filesRole = (copy: Evaluation) => apiRoutes(copy).find((route) => route.routeKey === "GET /files")!.role;
  /** What the named rule newly finds after `mutate` changes the copy's files Lambda role. */
  const findingsAfterFilesRole = (rule: string, mutate: (role: PlannedResource) => void) =>
    findingsAfterChange(rule, (copy) => mutate(filesRole(copy)));

  test("no-wildcard-actions: a Lambda's log policy widened to logs:*", () => {
    const caught = findingsAfterChange("no-wildcard-actions", (copy) => {
      const [logs] = rolePoliciesOf(copy, filesRole(copy));
      logs.inputs.policy = editPolicy(logs.inputs.policy, (policy) => {
        policy.Statement[0].Action = "logs:*";
      });
    });
    expect(caught.map((finding) => finding.message)).toEqual(["allows logs:*"]);
  });

  test("no-wildcard-resources: AWSLambdaBasicExecutionRole put back on a Lambda role (read inside the managed policy)", () => {
    const caught = findingsAfterFilesRole("no-wildcard-resources", (role) => {
      role.inputs.managedPolicyArns = [BASIC_EXECUTION_ROLE];
    });
    expect(caught.map((finding) => finding.message)).toEqual([
      "allows logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on * (managed AWSLambdaBasicExecutionRole)",
    ]);
  });

  test("no-wildcard-resources: an inline grant on every log group", () => {
    const caught = findingsAfterFilesRole("no-wildcard-resources", (role) => {
      role.inputs.inlinePolicies[0].policy = editPolicy(role.inputs.inlinePolicies[0].policy, (policy) => {
        policy.Statement.push({ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "arn:aws:logs:*:*:*" });
      });
    });
    expect(caught).toHaveLength(1);
  });

  test("no-aws-managed-policies: a managed policy on a Lambda role, known or not", () => {
    const caught = findingsAfterFilesRole("no-aws-managed-policies", (role) => {
      role.inputs.managedPolicyArns = [BASIC_EXECUTION_ROLE, "arn:aws:iam::aws:policy/AmazonS3FullAccess"];
    });
    expect(caught.map((finding) => finding.message)).toEqual([
      `carries ${BASIC_EXECUTION_ROLE}`,
      "carries arn:aws:iam::aws:policy/AmazonS3FullAccess (its document is unknown to these rules)",
    ]);
  });

  test("lambda-logs-own-group: AWSLambdaBasicExecutionRole lets a Lambda write into any log group", () => {
    const caught = findingsAfterFilesRole("lambda-logs-own-group", (role) => {
      role.inputs.managedPolicyArns = [BASIC_EXECUTION_ROLE];
    });
    expect(caught.map((finding) => finding.message.replace(/ \/aws\/lambda\/.*/, ""))).toEqual([
      "may logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on *, beyond its own log group",
    ]);
  });

  test("lambda-logs-own-group: a Lambda's log grant widened to the API's access log", () => {
    const caught = findingsAfterChange("lambda-logs-own-group", (copy) => {
      const [logs] = rolePoliciesOf(copy, filesRole(copy));
      logs.inputs.policy = editPolicy(logs.inputs.policy, (policy) => {
        policy.Statement[0].Resource = [policy.Statement[0].Resource, `${apiAccessLog(copy)!.outputs.arn}:*`].flat();
      });
    });
    expect(caught.map((finding) => finding.message.replace(/ \/aws\/lambda\/.*/, ""))).toEqual([
      `may logs:CreateLogStream, logs:PutLogEvents on ${apiAccessLog(app())!.outputs.arn}:*, beyond its own log group`,
    ]);
  });

  test("lambda-logs-own-group: a Lambda that cannot write its own logs", () => {
    const caught = findingsAfterChange("lambda-logs-own-group", (copy) => {
      const logs = rolePoliciesOf(copy, filesRole(copy));
      copy.resources = copy.resources.filter((resource) => !logs.includes(resource));
    });
    expect(caught.map((finding) => finding.message.replace(/ \/aws\/lambda\/.*/, ""))).toEqual([
      "may not logs:CreateLogStream into its own log group",
      "may not logs:PutLogEvents into its own log group",
    ]);
  });

  test("bucket-lifecycle: no rule aborting multipart uploads", () => {
    const caught = findingsAfterUploads(
      "bucket-lifecycle",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      (configuration) => {
        configuration.inputs.rules = configuration.inputs.rules.filter(
          (rule: Record<string, any>) => !rule.abortIncompleteMultipartUpload,
        );
      },
    );
    expect(caught.map((finding) => finding.message)).toEqual(["keeps incomplete multipart uploads longer than 7 days"]);
  });

  test("bucket-lifecycle: a versioned bucket that keeps every version forever", () => {
    const caught = findingsAfterUploads(
      "bucket-lifecycle",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      (configuration) => {
        configuration.inputs.rules = configuration.inputs.rules.filter(
          (rule: Record<string, any>) => !rule.noncurrentVersionExpiration,
        );
      },
    );
    expect(caught.map((finding) => finding.message)).toEqual(["is versioned and keeps noncurrent versions forever"]);
  });

  test("bucket-lifecycle: rules limited to a prefix do not count", () => {
    const caught = findingsAfterUploads(
      "bucket-lifecycle",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      (configuration) => {
        for (const rule of configuration.inputs.rules) rule.filter = { prefix: "tmp/" };
      },
    );
    expect(caught).toHaveLength(2);
  });

  test("identity-pool-token-check: the user pool's tokens not checked", () => {
    const caught = findingsAfter("identity-pool-token-check", "aws:cognito/identityPool:IdentityPool", (pool) => {
      delete pool.inputs.cognitoIdentityProviders[0].serverSideTokenCheck;
    });
    expect(caught).toHaveLength(1);
  });

  test("bucket-public-access-block: a public policy allowed", () => {
    const caught = findingsAfterUploads(
      "bucket-public-access-block",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      (block) => {
        block.inputs.blockPublicPolicy = false;
      },
    );
    expect(caught.map((finding) => finding.message)).toEqual(["lacks blockPublicPolicy"]);
  });

  test("bucket-public-access-block: no block at all", () => {
    const caught = findingsAfterUploads(
      "bucket-public-access-block",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      (block, copy) => {
        copy.resources.splice(copy.resources.indexOf(block), 1);
      },
    );
    expect(caught.map((finding) => finding.message)).toEqual(["lacks the public access block"]);
  });

  test("bucket-tls-only: a bucket policy without the TLS deny", () => {
    const caught = findingsAfterUploads("bucket-tls-only", "aws:s3/bucketPolicy:BucketPolicy", (bucketPolicy) => {
      bucketPolicy.inputs.policy = editPolicy(bucketPolicy.inputs.policy, (policy) => {
        policy.Statement = policy.Statement.filter((statement) => statement.Effect !== "Deny");
      });
    });
    expect(caught).toHaveLength(1);
  });

  test("bucket-tls-only: a TLS deny that spares the objects", () => {
    const caught = findingsAfterUploads("bucket-tls-only", "aws:s3/bucketPolicy:BucketPolicy", (bucketPolicy) => {
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

describe("warnings (shown by `npm run plan`, not findings)", () => {
  const production = useEvaluation({ stage: "production" });
  const dev = useEvaluation({ stage: "dev" });

  test("every warning is exercised below", () => {
    expect(WARNINGS.map((rule) => rule.id)).toEqual(["production-email-sender"]);
  });

  test("production-email-sender: production sending with Cognito's quota, not dev", () => {
    expect(warnings(production()).map((warning) => warning.message)).toEqual([
      "sends with Cognito's default email quota: set SES_FROM_ADDRESS and SES_IDENTITY_ARN in .env.production",
    ]);
    expect(warnings(dev()), "dev warnings").toEqual([]);
  });
});
