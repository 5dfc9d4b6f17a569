// What `sst deploy` would create for a stage, as `npm run plan` prints it: the resource tree with the
// settings that matter for review, the outputs, and the security rule findings and warnings.
import { pageContentSecurityPolicy, pageEndpoints } from "@iam-auth-api/client/site-security";
import { type Json, asList, type Evaluation, type PlannedResource } from "./evaluation";
import { childrenOf } from "./graph";
import { ACCOUNT_ID, REGION } from "./mocks";
import { identityPolicies, type PolicyDocument, UnreadablePolicies } from "./policies";
import { responseHeaders } from "./site-headers";
import {
  type Finding,
  findings,
  PASSWORD_CLASS_SETTINGS,
  PUBLIC_ACCESS_BLOCK_SETTINGS,
  RULES,
  warnings,
} from "./rules";

/** Resources SST registers for its own bookkeeping: nothing is created in AWS for them. */
const BOOKKEEPING = new Set(["pulumi:pulumi:Stack", "sst:sst:LinkRef"]);

/** An ARN or id as the reader knows it: the name of the resource it points at, when it is in the plan. */
function nameOf(evaluation: Evaluation, value: string): string {
  const target = evaluation.resources.find(
    (resource) => resource.outputs.arn === value || resource.outputs.id === value,
  );
  if (target) return target.name;
  // `bucket-arn/key` for objects, `log-group-arn:*` for a log group's streams.
  const within = evaluation.resources.find(
    (resource) =>
      resource.outputs.arn &&
      (value.startsWith(`${resource.outputs.arn}/`) || value.startsWith(`${resource.outputs.arn}:`)),
  );
  if (within) return `${within.name}${value.slice(within.outputs.arn.length)}`;
  const api = evaluation.resources.find(
    (resource) => resource.outputs.executionArn && value.startsWith(resource.outputs.executionArn),
  );
  return api ? `${api.name}${value.slice(api.outputs.executionArn.length)}` : value;
}

function conditions(evaluation: Evaluation, condition: Record<string, Record<string, unknown>> | undefined): string {
  if (!condition) return "";
  const parts = Object.entries(condition).flatMap(([test, variables]) =>
    Object.entries(variables).map(
      ([variable, values]) =>
        `${variable} ${test} ${asList(values)
          .map((value) => nameOf(evaluation, String(value)))
          .join(" | ")}`,
    ),
  );
  return ` if ${parts.join(" and ")}`;
}

function principals(principal: unknown): string {
  if (principal === "*") return "anyone";
  return Object.entries(principal as Record<string, unknown>)
    .flatMap(([, identifiers]) => asList(identifiers))
    .join(", ");
}

/** One line per statement: `Allow s3:GetObject on Uploads/private/… if …`. */
function statements(evaluation: Evaluation, policy: string | PolicyDocument, indent: string): string[] {
  return asList((typeof policy === "string" ? JSON.parse(policy) : policy).Statement).map((statement: Json) => {
    const actions = asList(statement.Action ?? statement.NotAction).join(", ");
    const resources = asList(statement.Resource)
      .map((resource) => nameOf(evaluation, String(resource)))
      .join(", ");
    const who = statement.Principal ? ` for ${principals(statement.Principal)}` : "";
    const on = resources ? ` on ${resources}` : "";
    return `${indent}${statement.Effect} ${statement.NotAction ? "all but " : ""}${actions}${who}${on}${conditions(evaluation, statement.Condition)}`;
  });
}

/** `abort-incomplete-multipart-uploads (whole bucket): abort incomplete multipart uploads after 1 day`. */
function lifecycleRule(rule: Record<string, Json>): string {
  const actions = [
    rule.abortIncompleteMultipartUpload &&
      `abort incomplete multipart uploads after ${rule.abortIncompleteMultipartUpload.daysAfterInitiation} day(s)`,
    rule.expiration?.days && `expire objects after ${rule.expiration.days} day(s)`,
    rule.expiration?.expiredObjectDeleteMarker && "remove delete markers with no versions left",
    rule.noncurrentVersionExpiration &&
      `delete noncurrent versions after ${rule.noncurrentVersionExpiration.noncurrentDays} day(s)`,
    ...asList(rule.transitions).map(
      (transition: Json) => `move to ${transition.storageClass} after ${transition.days} day(s)`,
    ),
  ].filter(Boolean);
  const scope = (rule.filter?.prefix ?? rule.prefix) ? `prefix ${rule.filter?.prefix ?? rule.prefix}` : "whole bucket";
  return `${rule.id} (${scope}${rule.status === "Enabled" ? "" : `, ${rule.status}`}): ${actions.join("; ") || "no action"}`;
}

/** A role's grants, one line per statement, labelled by where each policy comes from. */
function roleGrants(evaluation: Evaluation, role: PlannedResource, indent: string): string[] {
  try {
    return identityPolicies(evaluation, role).flatMap(({ source, name, policy }) => {
      const from = { inline: "", "role policy": ` (${name})`, managed: ` (managed ${name.split("/").pop()})` };
      return statements(evaluation, policy, `${indent}grant${from[source]}: `);
    });
  } catch (error) {
    if (!(error instanceof UnreadablePolicies)) throw error;
    return [`${indent}grants unreadable: ${error.message}`];
  }
}

/** Whether a role's inline policies are exclusive: one empty block (`[{}]`) makes pulumi-aws remove any others. */
function exclusiveInlinePolicies(inputs: Record<string, Json>, indent: string): string[] {
  return asList(inputs.inlinePolicies).some((entry: Json) => entry.policy === undefined)
    ? [`${indent}inline policies: exclusive (any others are removed)`]
    : [];
}

/** What limits the email a user pool sends: how accounts are recovered, when a changed email applies. */
function userPoolEmailSafety(inputs: Record<string, Json>): string {
  const recovery = asList(inputs.accountRecoverySetting?.recoveryMechanisms)
    .map((mechanism: Json) => mechanism.name)
    .join(" then ");
  const verified = asList(inputs.userAttributeUpdateSettings?.attributesRequireVerificationBeforeUpdates);
  return `recovery by ${recovery || "SST default"} · ${verified.length ? `a changed ${verified.join(",")} applies once verified` : "changed attributes apply unverified"}`;
}

/** The attributes an app client may write and read with a user's tokens (unset = all of them), and how long its sessions last. */
function clientAttributes(inputs: Record<string, Json>): string {
  const list = (attributes: unknown) => asList(attributes).join(",") || "ALL";
  const refresh = inputs.refreshTokenValidity
    ? `${inputs.refreshTokenValidity} ${inputs.tokenValidityUnits?.refreshToken ?? "days"}`
    : "30 days (Cognito's default)";
  return `writes ${list(inputs.writeAttributes)} · reads ${list(inputs.readAttributes)} · refresh token ${refresh}`;
}

/** The values infra/ hands a Lambda in its environment as `SST_RESOURCE_*` (SST's own link variables, App and keys, left out). */
function linkedValueLines(evaluation: Evaluation, inputs: Record<string, Json>, indent: string): string[] {
  return Object.entries(inputs.environment?.variables ?? {})
    .filter(([name]) => name.startsWith("SST_RESOURCE_") && name !== "SST_RESOURCE_App")
    .map(([name, value]) => `${indent}env ${name}=${nameOf(evaluation, String(value))}`);
}

/** A stage's per-route throttles, and whether its access log names the caller's Cognito identity. */
function stageHardeningLines(inputs: Record<string, Json>, indent: string): string[] {
  const format = inputs.accessLogSettings?.format ?? "";
  return [
    ...asList(inputs.routeSettings).map(
      (setting: Json) =>
        `${indent}${setting.routeKey}: throttling burst ${setting.throttlingBurstLimit} / rate ${setting.throttlingRateLimit}`,
    ),
    `${indent}access log caller: ${format.includes("$context.identity.cognitoIdentityId") ? "Cognito identity id" : "IP and user agent only"}`,
  ];
}

/** The settings that matter for review of one resource: one header line plus detail lines. */
interface Summary {
  summary: string;
  details: string[];
}

/** What a summary may read: the whole evaluation, the resource, its inputs, and the detail lines' indent. */
interface SummaryContext {
  evaluation: Evaluation;
  resource: PlannedResource;
  inputs: Record<string, Json>;
  indent: string;
}

/** How each resource type is summarised; a type not listed gets its name and type alone. */
const SUMMARIES: Record<string, (context: SummaryContext) => Summary> = {
  "aws:apigatewayv2/api:Api": ({ inputs }) => {
    const cors = inputs.corsConfiguration;
    return {
      summary: cors
        ? `CORS ${asList(cors.allowMethods).join(",")} from ${asList(cors.allowOrigins).join(",")} · headers ${asList(cors.allowHeaders).join(",")}`
        : "no CORS",
      details: [],
    };
  },
  "command:local:Command": ({ evaluation, resource, inputs, indent }) => {
    // SST names a static site's build `<site>Builder`.
    const site = evaluation.siteBuilds.find((build) => `${build.name}Builder` === resource.name);
    return {
      summary: site
        ? `build: ${site.command} in ${site.path}, uploads ${site.path}/${site.output}`
        : `${inputs.create}`,
      details: [
        ...Object.entries(inputs.environment ?? {}).map(([name, value]) => `${indent}env ${name}=${value}`),
        // The Content-Security-Policy the web build writes into its page, from the build's VITE_* settings.
        ...(site
          ? [`${indent}page CSP (meta): ${pageContentSecurityPolicy(pageEndpoints(inputs.environment ?? {}))}`]
          : []),
      ],
    };
  },
  "aws:apigatewayv2/route:Route": ({ inputs }) => ({
    summary: `${inputs.routeKey} · auth ${inputs.authorizationType}`,
    details: [],
  }),
  "aws:apigatewayv2/stage:Stage": ({ evaluation, inputs, indent }) => {
    const throttling = inputs.defaultRouteSettings ?? {};
    const log = inputs.accessLogSettings?.destinationArn;
    return {
      summary: `${inputs.name} · throttling burst ${throttling.throttlingBurstLimit ?? "none"} / rate ${throttling.throttlingRateLimit ?? "none"} · access log ${log ? `→ ${nameOf(evaluation, log)}` : "none"}`,
      details: stageHardeningLines(inputs, indent),
    };
  },
  "aws:lambda/function:Function": ({ evaluation, inputs, indent }) => ({
    summary: `${inputs.handler} · ${inputs.runtime} ${asList(inputs.architectures).join(",")} · ${inputs.memorySize} MB · ${inputs.timeout} s`,
    details: linkedValueLines(evaluation, inputs, indent),
  }),
  "aws:iam/role:Role": ({ evaluation, resource, inputs, indent }) => {
    const managed = asList(inputs.managedPolicyArns).map(String);
    return {
      summary: `managed ${managed.map((arn) => arn.split("/").pop()).join(", ") || "none"}`,
      details: [
        ...statements(evaluation, inputs.assumeRolePolicy, `${indent}trust: `),
        ...exclusiveInlinePolicies(inputs, indent),
        ...roleGrants(evaluation, resource, indent),
      ],
    };
  },
  "aws:iam/rolePolicy:RolePolicy": ({ evaluation, inputs, indent }) => ({
    summary: `on role ${nameOf(evaluation, inputs.role)}`,
    details: statements(evaluation, inputs.policy, `${indent}`),
  }),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ({ evaluation, inputs, indent }) => ({
    summary: `on ${nameOf(evaluation, inputs.bucket)}`,
    details: asList(inputs.rules).map((rule: Json) => `${indent}${lifecycleRule(rule)}`),
  }),
  "aws:s3/bucketPolicy:BucketPolicy": ({ evaluation, inputs, indent }) => ({
    summary: `on ${nameOf(evaluation, inputs.bucket)}`,
    details: statements(evaluation, inputs.policy, `${indent}`),
  }),
  "aws:s3/bucket:Bucket": ({ inputs }) => ({
    summary: `${inputs.bucket} · forceDestroy ${inputs.forceDestroy}`,
    details: [],
  }),
  "aws:s3/bucketVersioning:BucketVersioning": ({ inputs }) => ({
    summary: `versioning ${inputs.versioningConfiguration?.status}`,
    details: [],
  }),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ({ inputs }) => {
    const on = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((setting) => inputs[setting]);
    const all = PUBLIC_ACCESS_BLOCK_SETTINGS.length;
    return {
      summary: `${on.length}/${all} on${on.length < all ? ` (${on.join(", ") || "none"})` : ""}`,
      details: [],
    };
  },
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": ({ inputs }) => ({
    summary: asList(inputs.corsRules)
      .map((rule: Json) => `${asList(rule.allowedMethods).join(",")} from ${asList(rule.allowedOrigins).join(",")}`)
      .join("; "),
    details: [],
  }),
  "aws:cloudwatch/logGroup:LogGroup": ({ inputs }) => ({
    summary: `retention ${inputs.retentionInDays ?? "forever"} days`,
    details: [],
  }),
  "aws:cognito/userPool:UserPool": ({ inputs }) => {
    const policy = inputs.passwordPolicy ?? {};
    const classes = PASSWORD_CLASS_SETTINGS.filter((setting) => policy[setting])
      .map((setting) => setting.slice("require".length))
      .join("+");
    const email = inputs.emailConfiguration ?? {};
    const sender =
      email.emailSendingAccount === "DEVELOPER"
        ? `SES ${email.fromEmailAddress} via ${email.sourceArn}`
        : `${email.emailSendingAccount ?? "COGNITO_DEFAULT"} (Cognito's daily quota)`;
    return {
      summary: `usernames ${asList(inputs.usernameAttributes).join(",")} · passwords ≥${policy.minimumLength} ${classes} · deletion protection ${inputs.deletionProtection} · email ${sender} · ${userPoolEmailSafety(inputs)}`,
      details: [],
    };
  },
  "aws:cognito/userPoolClient:UserPoolClient": ({ inputs }) => ({
    summary: `${asList(inputs.explicitAuthFlows).join(", ")} · secret ${inputs.generateSecret ? "yes" : "no"} · user existence errors ${inputs.preventUserExistenceErrors === "ENABLED" ? "hidden" : "revealed"} · ${clientAttributes(inputs)}`,
    details: [],
  }),
  "aws:cognito/identityPool:IdentityPool": ({ evaluation, inputs }) => {
    const providers = [
      ...asList(inputs.cognitoIdentityProviders).map(
        (provider: Json) =>
          `${nameOf(evaluation, provider.providerName.split("/").pop())} client ${nameOf(evaluation, provider.clientId)} (token check ${provider.serverSideTokenCheck ? "on" : "OFF"})`,
      ),
      ...Object.keys(inputs.supportedLoginProviders ?? {}),
      ...asList(inputs.openidConnectProviderArns).map((arn) => nameOf(evaluation, String(arn))),
    ];
    return {
      summary: `guests ${inputs.allowUnauthenticatedIdentities ? "allowed" : "refused"} · classic flow ${inputs.allowClassicFlow ? "on" : "off"} · providers ${providers.join("; ") || "none"}`,
      details: [],
    };
  },
  "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": ({ inputs, indent }) => ({
    summary: inputs.comment ?? "",
    details: Object.entries(responseHeaders(inputs)).map(([name, value]) => `${indent}${name}: ${value}`),
  }),
  "aws:cloudfront/distribution:Distribution": ({ evaluation, inputs }) => {
    const policy = inputs.defaultCacheBehavior?.responseHeadersPolicyId;
    return { summary: `response headers ${policy ? nameOf(evaluation, policy) : "none"}`, details: [] };
  },
  // A web ACL's default action and each rule: what it blocks, per what key, at what rate.
  "aws:wafv2/webAcl:WebAcl": ({ inputs, indent }) => ({
    summary: `${inputs.scope} · default ${Object.keys(inputs.defaultAction ?? {}).join(",")}`,
    details: asList(inputs.rules).map((rule: Json) => {
      const rate = rule.statement?.rateBasedStatement;
      const operations = asList(rate?.scopeDownStatement?.orStatement?.statements).map((statement: Json) =>
        String(statement.byteMatchStatement?.searchString).split(".").pop(),
      );
      const what = rate
        ? `over ${rate.limit} requests per ${rate.aggregateKeyType} per ${rate.evaluationWindowSec ?? 300} s${operations.length ? ` to ${operations.join(", ")}` : ""}`
        : "custom statement";
      return `${indent}${rule.name}: ${Object.keys(rule.action ?? {}).join(",")} ${what}`;
    }),
  }),
  "aws:wafv2/webAclAssociation:WebAclAssociation": ({ evaluation, inputs }) => ({
    summary: `${nameOf(evaluation, inputs.webAclArn)} → ${nameOf(evaluation, inputs.resourceArn)}`,
    details: [],
  }),
  "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": ({ evaluation, inputs }) => ({
    summary: Object.entries(inputs.roles ?? {})
      .map(([kind, arn]) => `${kind} → ${nameOf(evaluation, String(arn))}`)
      .join(" · "),
    details: [],
  }),
};

function summaryOf(evaluation: Evaluation, resource: PlannedResource, indent: string): Summary {
  const summarise = SUMMARIES[resource.type];
  return summarise
    ? summarise({ evaluation, resource, inputs: resource.inputs, indent })
    : { summary: "", details: [] };
}

function render(
  evaluation: Evaluation,
  resource: PlannedResource,
  prefix: string,
  last: boolean,
  top: boolean,
): string[] {
  const branch = top ? "" : last ? "└─ " : "├─ ";
  const childPrefix = top ? "" : prefix + (last ? "   " : "│  ");
  const flags = [
    resource.options.retainOnDelete && "retained on removal",
    resource.options.protect && "protected",
  ].filter(Boolean);
  const { summary, details } = summaryOf(evaluation, resource, `${childPrefix}   `);
  const lines = [
    `${prefix}${branch}${resource.name}  (${resource.type})${summary ? `  ${summary}` : ""}${flags.length ? `  [${flags.join(", ")}]` : ""}`,
    ...details,
  ];
  const children = childrenOf(evaluation, resource).filter((child) => !BOOKKEEPING.has(child.type));
  children.forEach((child, index) => {
    lines.push(...render(evaluation, child, childPrefix, index === children.length - 1, false));
  });
  return lines;
}

/** The plan of an evaluated stage as `npm run plan` prints it, and the exit code: 1 when a rule finds something. */
export function planReport(evaluation: Evaluation): { text: string; exitCode: 0 | 1 } {
  const found = findings(evaluation);
  return { text: report(evaluation, found), exitCode: found.length ? 1 : 0 };
}

function report(evaluation: Evaluation, found: Finding[]): string {
  const { app } = evaluation;
  const roots = evaluation.resources.filter((resource) => !resource.parent && !BOOKKEEPING.has(resource.type));
  const advised = warnings(evaluation);
  const awsResources = evaluation.resources.filter(
    (resource) => resource.custom && resource.type.startsWith("aws:"),
  ).length;
  return [
    `${app.name} · stage ${app.stage} · removal ${app.removal}${app.protect ? " · protected from sst remove" : ""} · ${awsResources} AWS resources`,
    `Evaluated offline under Pulumi mocks (account ${ACCOUNT_ID}, ${REGION}): ids, ARNs and name suffixes are placeholders.`,
    "",
    ...roots.flatMap((root) => [...render(evaluation, root, "", true, true), ""]),
    "Outputs",
    ...Object.entries(evaluation.outputs)
      .filter(([name]) => !name.startsWith("_"))
      .map(([name, value]) => `  ${name}: ${value}`),
    "",
    `Security rules (${RULES.map((rule) => (rule.follows ? `${rule.id} ~ ${rule.follows}` : rule.id)).join(", ")})`,
    ...(found.length
      ? found.map((finding) => `  ✗ ${finding.rule}: ${finding.resource} ${finding.message}`)
      : ["  ✓ no findings"]),
    ...(advised.length
      ? [
          "",
          "Warnings (the stage deploys, but look first)",
          ...advised.map((warning) => `  ⚠ ${warning.rule}: ${warning.resource} ${warning.message}`),
        ]
      : []),
  ].join("\n");
}
