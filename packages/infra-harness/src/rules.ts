// Security rules over the whole evaluated graph, in the spirit of cdk-nag's AwsSolutions pack
// (the id each one follows is in `follows`). They read inputs only, so they judge any stage.
import { PASSWORD_POLICY } from "@iam-auth-api/client/password-policy";
import { type Json, asList, type Evaluation, type PlannedResource, resourceKey } from "./evaluation";
import { logGroupOf, ofType, referencedBy, referencing } from "./graph";
import { AWS_MANAGED_POLICIES, isAwsManaged } from "./managed-policies";
import { ACCOUNT_ID, REGION } from "./mocks";
import { identityPolicies, type PolicyDocument, UnreadablePolicies } from "./policies";

export interface Finding {
  rule: string;
  resource: string;
  message: string;
}

/** What a rule finds wrong with one resource; `judge` names the rule and the resource in the Finding. */
interface Problem {
  resource: PlannedResource;
  message: string;
}

interface Rule {
  id: string;
  /** The cdk-nag AwsSolutions rule it follows, if any. */
  follows?: string;
  description: string;
  check(evaluation: Evaluation): Problem[];
}

const judge = (rules: Rule[], evaluation: Evaluation): Finding[] =>
  rules.flatMap((rule) =>
    rule
      .check(evaluation)
      .map(({ resource, message }) => ({ rule: rule.id, resource: resourceKey(resource), message })),
  );

/**
 * Every identity or resource policy document in the graph, with the resource that carries it and
 * where it comes from: inline, a RolePolicy, a Policy, a bucket policy, or an AWS managed policy a
 * role carries (its published document, read by `identityPolicies`). A role whose policies cannot be
 * read offline (an unknown managed policy) is `unreadable`: the rules that read documents report it.
 */
function policyDocuments(evaluation: Evaluation): {
  documents: { resource: PlannedResource; source: string; policy: PolicyDocument }[];
  unreadable: Problem[];
} {
  const documents = [];
  const unreadable: Problem[] = [];
  for (const resource of evaluation.resources) {
    if (resource.type === "aws:iam/role:Role") {
      try {
        // A RolePolicy is read below as the resource it is, so a finding names it.
        for (const { source, name, policy } of identityPolicies(evaluation, resource)) {
          if (source === "inline") documents.push({ resource, source: "", policy });
          if (source === "managed") documents.push({ resource, source: ` (managed ${name.split("/").pop()})`, policy });
        }
      } catch (error) {
        if (!(error instanceof UnreadablePolicies)) throw error;
        unreadable.push({ resource, message: `cannot be judged: ${error.message}` });
      }
    }
    if (
      ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:s3/bucketPolicy:BucketPolicy"].includes(
        resource.type,
      )
    ) {
      documents.push({ resource, source: "", policy: JSON.parse(resource.inputs.policy) });
    }
  }
  return { documents, unreadable };
}

/** Every Allow statement in the graph's documents, and the roles whose documents cannot be read. */
function allowStatements(evaluation: Evaluation) {
  const { documents, unreadable } = policyDocuments(evaluation);
  const statements = documents.flatMap(({ resource, source, policy }) =>
    asList(policy.Statement)
      .filter((statement: Json) => statement.Effect === "Allow")
      .map((statement: Json) => ({ resource, source, statement: statement as Record<string, Json> })),
  );
  return { statements, unreadable };
}

const noWildcardActions: Rule = {
  id: "no-wildcard-actions",
  follows: "AwsSolutions-IAM5",
  description:
    "No policy, managed ones included, allows a wildcard action (`*`, `s3:*`, `s3:Get*`): every grant names what it allows.",
  check: (evaluation) => {
    const { statements, unreadable } = allowStatements(evaluation);
    return [
      ...unreadable,
      ...statements.flatMap(({ resource, source, statement }) =>
        [...asList(statement.Action), ...asList(statement.NotAction).map(() => "NotAction")]
          .filter((action) => String(action).includes("*") || action === "NotAction")
          .map((action) => ({
            resource,
            message: `allows ${action}${source}`,
          })),
      ),
    ];
  },
};

/** `*`, or an ARN whose resource part is `*`: every resource of a service (`arn:aws:logs:*:*:*`, `arn:aws:s3:::*`). */
const everyResource = (resource: unknown) =>
  resource === "*" || /^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*$/.test(String(resource));

const noWildcardResources: Rule = {
  id: "no-wildcard-resources",
  follows: "AwsSolutions-IAM5",
  description:
    "No policy, managed ones included, allows anything on every resource of a service (`*`, `arn:aws:logs:*:*:*`, `arn:aws:s3:::*`, or NotResource).",
  check: (evaluation) => {
    const { statements, unreadable } = allowStatements(evaluation);
    return [
      ...unreadable,
      ...statements
        .filter(
          ({ statement }) => asList(statement.Resource).some(everyResource) || statement.NotResource !== undefined,
        )
        .map(({ resource, source, statement }) => ({
          resource,
          message: `allows ${asList(statement.Action ?? statement.NotAction).join(", ")} on ${statement.NotResource ? "all but " : ""}${asList(statement.Resource ?? statement.NotResource).join(", ")}${source}`,
        })),
    ];
  },
};

const noAwsManagedPolicies: Rule = {
  id: "no-aws-managed-policies",
  follows: "AwsSolutions-IAM4",
  description:
    "No role carries an AWS managed policy: they are written for every account, not this app, and AWS may widen them.",
  check: (evaluation) =>
    ofType(evaluation, "aws:iam/role:Role").flatMap((role) =>
      asList(role.inputs.managedPolicyArns)
        .map(String)
        .filter(isAwsManaged)
        .map((arn) => ({
          resource: role,
          message: `carries ${arn}${AWS_MANAGED_POLICIES[arn] ? "" : " (its document is unknown to these rules)"}`,
        })),
    ),
};

/** IAM's wildcard match, for an action or resource pattern such as `s3:Put*`. */
const matches = (pattern: unknown, value: string) =>
  new RegExp(
    `^${String(pattern)
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  ).test(value);

/** What a Lambda function needs to write its logs: CreateLogStream and PutLogEvents, authorized on the stream (Service Authorization Reference). */
const LOG_WRITES = ["logs:CreateLogStream", "logs:PutLogEvents"];

/** The ARN itself or anything inside it (`<group arn>:*`, `<group arn>:log-stream:…`); log group names hold no `:`. */
const withinLogGroup = (resource: unknown, groupArn: string) =>
  resource === groupArn || String(resource).startsWith(`${groupArn}:`);

/** An action pattern that names CloudWatch Logs actions: `logs:Put*`, `logs:*`, `*`. */
const grantsLogs = (action: unknown) =>
  String(action).toLowerCase().startsWith("logs:") || matches(action, "logs:any-action");

const lambdaLogsOwnGroup: Rule = {
  id: "lambda-logs-own-group",
  description:
    "Every Lambda function's role may create streams in and write to its own log group, and every logs grant it carries names only that group: not the API's access log, not another function's, not one outside the app.",
  check: (evaluation) =>
    ofType(evaluation, "aws:lambda/function:Function").flatMap((fn) => {
      const role = referencedBy(evaluation, "aws:iam/role:Role", "arn", fn.inputs.role);
      const own = fn.inputs.loggingConfig?.logGroup ?? `/aws/lambda/${fn.outputs.name}`;
      // A group the app does not create (Lambda's default) is still named by this account and region.
      const ownArn: string =
        logGroupOf(evaluation, fn)?.outputs.arn ?? `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${own}`;
      const finding = (message: string) => ({ resource: fn, message });
      if (!role) return [finding(`its role ${fn.inputs.role} is not in the graph`)];
      let statements: Record<string, Json>[];
      try {
        statements = identityPolicies(evaluation, role).flatMap(
          ({ policy }) => asList(policy.Statement) as Record<string, Json>[],
        );
      } catch (error) {
        if (!(error instanceof UnreadablePolicies)) throw error;
        return [finding(`cannot be judged: ${error.message}`)];
      }
      const logGrants = statements.filter(
        (statement) =>
          statement.Effect === "Allow" &&
          (statement.NotAction !== undefined || asList(statement.Action).some(grantsLogs)),
      );
      return [
        ...LOG_WRITES.filter(
          (action) =>
            !logGrants.some(
              (statement) =>
                asList(statement.Action).some((pattern) => matches(pattern, action)) &&
                asList(statement.Resource).some((resource) => matches(resource, `${ownArn}:log-stream:any-stream`)),
            ),
        ).map((action) => finding(`may not ${action} into its own log group ${own}`)),
        ...logGrants
          .filter(
            (statement) =>
              statement.NotResource !== undefined ||
              asList(statement.Resource).some((resource) => !withinLogGroup(resource, ownArn)),
          )
          .map((statement) => {
            const actions = `${statement.NotAction ? "all but " : ""}${asList(statement.Action ?? statement.NotAction).join(", ")}`;
            const resources = statement.NotResource
              ? `all but ${asList(statement.NotResource).join(", ")}`
              : asList(statement.Resource)
                  .filter((resource) => !withinLogGroup(resource, ownArn))
                  .join(", ");
            return finding(`may ${actions} on ${resources}, beyond its own log group ${own}`);
          }),
      ];
    }),
};

const bucketsOf = (evaluation: Evaluation) => [
  ...ofType(evaluation, "aws:s3/bucket:Bucket"),
  ...ofType(evaluation, "aws:s3/bucketV2:BucketV2"),
];

/** A bucket public access block's settings, each of which must be on. */
export const PUBLIC_ACCESS_BLOCK_SETTINGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
];

const bucketPublicAccessBlock: Rule = {
  id: "bucket-public-access-block",
  follows: "AwsSolutions-S2",
  description: "Every bucket has a public access block with all four settings on.",
  check: (evaluation) =>
    bucketsOf(evaluation).flatMap((bucket) => {
      const [block] = referencing(
        evaluation,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "bucket",
        bucket.outputs.bucket,
      );
      const missing = block
        ? PUBLIC_ACCESS_BLOCK_SETTINGS.filter((setting) => block.inputs[setting] !== true)
        : ["the public access block"];
      return missing.map((setting) => ({
        resource: bucket,
        message: `lacks ${setting}`,
      }));
    }),
};

const deniesInsecureTransport = (statement: Record<string, Json>, bucketArn: string) =>
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
        const policies = referencing(evaluation, "aws:s3/bucketPolicy:BucketPolicy", "bucket", bucket.outputs.bucket);
        return !policies.some((policy) =>
          JSON.parse(policy.inputs.policy).Statement.some((statement: Record<string, Json>) =>
            deniesInsecureTransport(statement, bucket.outputs.arn),
          ),
        );
      })
      .map((bucket) => ({
        resource: bucket,
        message: "does not deny requests without TLS",
      })),
};

const apiAccessLogs: Rule = {
  id: "api-access-logs",
  follows: "AwsSolutions-APIG1",
  description: "Every API Gateway stage writes access logs to a log group.",
  check: (evaluation) =>
    [...ofType(evaluation, "aws:apigatewayv2/stage:Stage"), ...ofType(evaluation, "aws:apigateway/stage:Stage")]
      .filter((stage) => {
        const destination = stage.inputs.accessLogSettings?.destinationArn;
        return (
          !stage.inputs.accessLogSettings?.format ||
          !ofType(evaluation, "aws:cloudwatch/logGroup:LogGroup").some((group) => group.outputs.arn === destination)
        );
      })
      .map((stage) => ({ resource: stage, message: "has no access log" })),
};

/** The user pool's password policy settings that each require a class of characters (`requireSymbols`…): every one must be on. */
export const PASSWORD_CLASS_SETTINGS = Object.keys(PASSWORD_POLICY).filter((setting) => setting.startsWith("require"));

const userPoolPasswordPolicy: Rule = {
  id: "user-pool-password-policy",
  follows: "AwsSolutions-COG1",
  description:
    "Every user pool requires passwords of at least 8 characters with upper and lower case, numbers and symbols.",
  check: (evaluation) =>
    ofType(evaluation, "aws:cognito/userPool:UserPool").flatMap((pool) => {
      const policy = pool.inputs.passwordPolicy ?? {};
      const weaknesses = [
        ...(policy.minimumLength >= 8 ? [] : [`minimumLength ${policy.minimumLength ?? "unset"}`]),
        ...PASSWORD_CLASS_SETTINGS.filter((rule) => policy[rule] !== true).map((rule) => `no ${rule}`),
      ];
      return weaknesses.map((weakness) => ({
        resource: pool,
        message: weakness,
      }));
    }),
};

const identityPoolNoGuests: Rule = {
  id: "identity-pool-no-guests",
  follows: "AwsSolutions-COG7",
  description: "No identity pool hands out credentials to unauthenticated identities.",
  check: (evaluation) =>
    ofType(evaluation, "aws:cognito/identityPool:IdentityPool")
      .filter((pool) => pool.inputs.allowUnauthenticatedIdentities === true)
      .map((pool) => ({
        resource: pool,
        message: "allows unauthenticated identities",
      })),
};

const identityPoolTokenCheck: Rule = {
  id: "identity-pool-token-check",
  description:
    "Every identity pool asks its user pools about each token (serverSideTokenCheck): a signed-out, disabled or deleted user's copied id token mints no credentials.",
  check: (evaluation) =>
    ofType(evaluation, "aws:cognito/identityPool:IdentityPool").flatMap((pool) =>
      asList(pool.inputs.cognitoIdentityProviders)
        .filter((provider: Json) => provider.serverSideTokenCheck !== true)
        .map((provider: Json) => ({
          resource: pool,
          message: `does not check tokens of ${provider.providerName}`,
        })),
    ),
};

/** Incomplete multipart uploads older than this are abandoned: a browser or CLI resumes within hours. */
const MAX_MULTIPART_DAYS = 7;

/** Buckets some role of the app may put objects into: the ones its users fill, not deploy-only assets. */
const writableBuckets = (evaluation: Evaluation) =>
  bucketsOf(evaluation).filter((bucket) =>
    allowStatements(evaluation).statements.some(
      ({ resource, statement }) =>
        ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"].includes(resource.type) &&
        asList(statement.Action).some((action) => matches(action, "s3:PutObject")) &&
        asList(statement.Resource).some(
          (target) =>
            String(target).startsWith(`${bucket.outputs.arn}/`) || matches(target, `${bucket.outputs.arn}/any-key`),
        ),
    ),
  );

const bucketLifecycle: Rule = {
  id: "bucket-lifecycle",
  description: `Every bucket a role may write to aborts incomplete multipart uploads within ${MAX_MULTIPART_DAYS} days, and if versioned expires noncurrent versions: nothing a user abandons or deletes is billed forever.`,
  check: (evaluation) =>
    writableBuckets(evaluation).flatMap((bucket) => {
      const rules = referencing(
        evaluation,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "bucket",
        bucket.outputs.bucket,
      )
        .flatMap((configuration) => asList(configuration.inputs.rules) as Record<string, Json>[])
        .filter((rule) => rule.status === "Enabled" && !rule.filter?.prefix && !rule.filter?.and && !rule.filter?.tag);
      const versioned = referencing(
        evaluation,
        "aws:s3/bucketVersioning:BucketVersioning",
        "bucket",
        bucket.outputs.bucket,
      ).some((versioning) => versioning.inputs.versioningConfiguration?.status === "Enabled");
      const finding = (message: string) => ({ resource: bucket, message });
      return [
        ...(rules.some((rule) => rule.abortIncompleteMultipartUpload?.daysAfterInitiation <= MAX_MULTIPART_DAYS)
          ? []
          : [finding(`keeps incomplete multipart uploads longer than ${MAX_MULTIPART_DAYS} days`)]),
        ...(versioned && !rules.some((rule) => rule.noncurrentVersionExpiration?.noncurrentDays > 0)
          ? [finding("is versioned and keeps noncurrent versions forever")]
          : []),
      ];
    }),
};

export const RULES: Rule[] = [
  noWildcardActions,
  noWildcardResources,
  noAwsManagedPolicies,
  lambdaLogsOwnGroup,
  bucketPublicAccessBlock,
  bucketTlsOnly,
  bucketLifecycle,
  apiAccessLogs,
  userPoolPasswordPolicy,
  identityPoolNoGuests,
  identityPoolTokenCheck,
];

export const findings = (evaluation: Evaluation): Finding[] => judge(RULES, evaluation);

const productionEmailSender: Rule = {
  id: "production-email-sender",
  description:
    "A production user pool sends its email through SES: Cognito's own sender has a small daily quota, past which confirmation codes stop. Set SES_FROM_ADDRESS and SES_IDENTITY_ARN in .env.<stage>.",
  check: (evaluation) =>
    evaluation.app.protect
      ? ofType(evaluation, "aws:cognito/userPool:UserPool")
          .filter((pool) => pool.inputs.emailConfiguration?.emailSendingAccount !== "DEVELOPER")
          .map((pool) => ({
            resource: pool,
            message: `sends with Cognito's default email quota: set SES_FROM_ADDRESS and SES_IDENTITY_ARN in .env.${evaluation.app.stage}`,
          }))
      : [],
};

/** What deserves a look before a deploy but does not make it unsafe: `npm run plan` prints them and still exits 0. */
export const WARNINGS: Rule[] = [productionEmailSender];

export const warnings = (evaluation: Evaluation): Finding[] => judge(WARNINGS, evaluation);
