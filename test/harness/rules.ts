// Security rules over the whole evaluated graph, in the spirit of cdk-nag's AwsSolutions pack
// (the id each one follows is in `follows`). They read inputs only, so they judge any stage.
import { type Evaluation, type PlannedResource, resourceKey } from "./evaluation";
import { ofType } from "./graph";

export interface Finding {
  rule: string;
  resource: string;
  message: string;
}

export interface Rule {
  id: string;
  follows: string;
  description: string;
  check(evaluation: Evaluation): Finding[];
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every policy document in the graph, with the resource that carries it. */
function policyDocuments(evaluation: Evaluation): { resource: PlannedResource; policy: { Statement: Record<string, any>[] } }[] {
  const documents = [];
  for (const resource of evaluation.resources) {
    const texts: string[] = [];
    if (resource.type === "aws:iam/role:Role") texts.push(...asList(resource.inputs.inlinePolicies).map((entry: any) => entry.policy));
    if (["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:s3/bucketPolicy:BucketPolicy"].includes(resource.type)) {
      texts.push(resource.inputs.policy);
    }
    for (const text of texts) documents.push({ resource, policy: JSON.parse(text) });
  }
  return documents;
}

const noWildcardActions: Rule = {
  id: "no-wildcard-actions",
  follows: "AwsSolutions-IAM5",
  description: "No policy allows a wildcard action (`*`, `s3:*`, `s3:Get*`): every grant names what it allows.",
  check: (evaluation) =>
    policyDocuments(evaluation).flatMap(({ resource, policy }) =>
      policy.Statement.filter((statement) => statement.Effect === "Allow")
        .flatMap((statement) => [...asList(statement.Action), ...asList(statement.NotAction).map(() => "NotAction")])
        .filter((action) => String(action).includes("*") || action === "NotAction")
        .map((action) => ({ rule: "no-wildcard-actions", resource: resourceKey(resource), message: `allows ${action}` })),
    ),
};

const bucketsOf = (evaluation: Evaluation) => [...ofType(evaluation, "aws:s3/bucket:Bucket"), ...ofType(evaluation, "aws:s3/bucketV2:BucketV2")];

const BLOCK_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

const bucketPublicAccessBlock: Rule = {
  id: "bucket-public-access-block",
  follows: "AwsSolutions-S2",
  description: "Every bucket has a public access block with all four settings on.",
  check: (evaluation) =>
    bucketsOf(evaluation).flatMap((bucket) => {
      const block = ofType(evaluation, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find(
        (candidate) => candidate.inputs.bucket === bucket.outputs.bucket,
      );
      const missing = block ? BLOCK_SETTINGS.filter((setting) => block.inputs[setting] !== true) : ["the public access block"];
      return missing.map((setting) => ({ rule: "bucket-public-access-block", resource: resourceKey(bucket), message: `lacks ${setting}` }));
    }),
};

const deniesInsecureTransport = (statement: Record<string, any>, bucketArn: string) =>
  statement.Effect === "Deny" &&
  (statement.Principal === "*" || asList(statement.Principal?.AWS).includes("*")) &&
  asList(statement.Action).includes("s3:*") &&
  [bucketArn, `${bucketArn}/*`].every((arn) => asList(statement.Resource).includes(arn)) &&
  asList(statement.Condition?.Bool?.["aws:SecureTransport"]).includes("false");

const bucketTlsOnly: Rule = {
  id: "bucket-tls-only",
  follows: "AwsSolutions-S10",
  description: "Every bucket's policy denies all S3 actions, on the bucket and its objects, to requests without TLS.",
  check: (evaluation) =>
    bucketsOf(evaluation)
      .filter((bucket) => {
        const policies = ofType(evaluation, "aws:s3/bucketPolicy:BucketPolicy").filter((policy) => policy.inputs.bucket === bucket.outputs.bucket);
        return !policies.some((policy) =>
          JSON.parse(policy.inputs.policy).Statement.some((statement: Record<string, any>) => deniesInsecureTransport(statement, bucket.outputs.arn)),
        );
      })
      .map((bucket) => ({ rule: "bucket-tls-only", resource: resourceKey(bucket), message: "does not deny requests without TLS" })),
};

const apiAccessLogs: Rule = {
  id: "api-access-logs",
  follows: "AwsSolutions-APIG1",
  description: "Every API Gateway stage writes access logs to a log group.",
  check: (evaluation) =>
    [...ofType(evaluation, "aws:apigatewayv2/stage:Stage"), ...ofType(evaluation, "aws:apigateway/stage:Stage")]
      .filter((stage) => {
        const destination = stage.inputs.accessLogSettings?.destinationArn;
        return !stage.inputs.accessLogSettings?.format || !ofType(evaluation, "aws:cloudwatch/logGroup:LogGroup").some((group) => group.outputs.arn === destination);
      })
      .map((stage) => ({ rule: "api-access-logs", resource: resourceKey(stage), message: "has no access log" })),
};

const userPoolPasswordPolicy: Rule = {
  id: "user-pool-password-policy",
  follows: "AwsSolutions-COG1",
  description: "Every user pool requires passwords of at least 8 characters with upper and lower case, numbers and symbols.",
  check: (evaluation) =>
    ofType(evaluation, "aws:cognito/userPool:UserPool").flatMap((pool) => {
      const policy = pool.inputs.passwordPolicy ?? {};
      const weaknesses = [
        ...(policy.minimumLength >= 8 ? [] : [`minimumLength ${policy.minimumLength ?? "unset"}`]),
        ...["requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols"].filter((rule) => policy[rule] !== true).map((rule) => `no ${rule}`),
      ];
      return weaknesses.map((weakness) => ({ rule: "user-pool-password-policy", resource: resourceKey(pool), message: weakness }));
    }),
};

const identityPoolNoGuests: Rule = {
  id: "identity-pool-no-guests",
  follows: "AwsSolutions-COG7",
  description: "No identity pool hands out credentials to unauthenticated identities.",
  check: (evaluation) =>
    ofType(evaluation, "aws:cognito/identityPool:IdentityPool")
      .filter((pool) => pool.inputs.allowUnauthenticatedIdentities === true)
      .map((pool) => ({ rule: "identity-pool-no-guests", resource: resourceKey(pool), message: "allows unauthenticated identities" })),
};

export const RULES: Rule[] = [noWildcardActions, bucketPublicAccessBlock, bucketTlsOnly, apiAccessLogs, userPoolPasswordPolicy, identityPoolNoGuests];

export const findings = (evaluation: Evaluation): Finding[] => RULES.flatMap((rule) => rule.check(evaluation));
