// `npm run plan -- --stage <stage>`: what `sst deploy` would create for a stage, evaluated offline
// from the real sst.config.ts under Pulumi mocks (no AWS account), and the security rule findings.
// Exits non-zero when a rule finds something; warnings are printed and leave the exit code alone.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs, parseEnv } from "node:util";
import { asList, type Evaluation, type PlannedResource } from "@iam-auth-api/infra-harness/evaluation";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { childrenOf, rolePoliciesOf } from "@iam-auth-api/infra-harness/graph";
import { ACCOUNT_ID, REGION } from "@iam-auth-api/infra-harness/mocks";
import { AWS_MANAGED_POLICIES } from "@iam-auth-api/infra-harness/managed-policies";
import type { PolicyDocument } from "@iam-auth-api/infra-harness/policies";
import { responseHeaders } from "@iam-auth-api/infra-harness/site-headers";
import { pageContentSecurityPolicy, pageEndpoints } from "@iam-auth-api/client/site-security";
import {
  findings,
  PASSWORD_CLASS_SETTINGS,
  PUBLIC_ACCESS_BLOCK_SETTINGS,
  RULES,
  warnings,
} from "@iam-auth-api/infra-harness/rules";

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
/** A role's inline policies; one empty block means "only these": pulumi-aws then removes any others. */
function inlinePolicyLines(evaluation: Evaluation, inlinePolicies: unknown, indent: string): string[] {
  return (asList(inlinePolicies) as { policy?: string }[]).flatMap((entry) =>
    entry.policy === undefined
      ? [`${indent}inline policies: exclusive (any others are removed)`]
      : statements(evaluation, entry.policy, `${indent}grant: `),
  );
}

/** What limits the email a user pool sends: how accounts are recovered, when a changed email applies. */
function userPoolEmailSafety(inputs: Record<string, any>): string {
  const recovery = asList(inputs.accountRecoverySetting?.recoveryMechanisms)
    .map((mechanism: any) => mechanism.name)
    .join(" then ");
  const verified = asList(inputs.userAttributeUpdateSettings?.attributesRequireVerificationBeforeUpdates);
  return `recovery by ${recovery || "SST default"} · ${verified.length ? `a changed ${verified.join(",")} applies once verified` : "changed attributes apply unverified"}`;
}

/** The attributes an app client may write and read with a user's tokens (unset = all of them), and how long its sessions last. */
function clientAttributes(inputs: Record<string, any>): string {
  const list = (attributes: unknown) => asList(attributes).join(",") || "ALL";
  const refresh = inputs.refreshTokenValidity
    ? `${inputs.refreshTokenValidity} ${inputs.tokenValidityUnits?.refreshToken ?? "days"}`
    : "30 days (Cognito's default)";
  return `writes ${list(inputs.writeAttributes)} · reads ${list(inputs.readAttributes)} · refresh token ${refresh}`;
}

/** The values infra/ hands a Lambda in its environment as `SST_RESOURCE_*` (SST's own link variables, App and keys, left out). */
function linkedValueLines(evaluation: Evaluation, inputs: Record<string, any>, indent: string): string[] {
  return Object.entries(inputs.environment?.variables ?? {})
    .filter(([name]) => name.startsWith("SST_RESOURCE_") && name !== "SST_RESOURCE_App")
    .map(([name, value]) => `${indent}env ${name}=${nameOf(evaluation, String(value))}`);
}

/** A stage's per-route throttles, and whether its access log names the caller's Cognito identity. */
function stageHardeningLines(inputs: Record<string, any>, indent: string): string[] {
  const format = inputs.accessLogSettings?.format ?? "";
  return [
    ...asList(inputs.routeSettings).map(
      (setting: any) =>
        `${indent}${setting.routeKey}: throttling burst ${setting.throttlingBurstLimit} / rate ${setting.throttlingRateLimit}`,
    ),
    `${indent}access log caller: ${format.includes("$context.identity.cognitoIdentityId") ? "Cognito identity id" : "IP and user agent only"}`,
  ];
}

/** The Content-Security-Policy the web build writes into its page, from the build's VITE_* settings. */
function pageCspLine(environment: Record<string, string>, indent: string): string {
  return `${indent}page CSP (meta): ${pageContentSecurityPolicy(pageEndpoints(environment))}`;
}

/** The headers a CloudFront response headers policy adds to every response. */
function responseHeaderLines(inputs: Record<string, any>, indent: string) {
  return {
    summary: inputs.comment ?? "",
    details: Object.entries(responseHeaders(inputs)).map(([name, value]) => `${indent}${name}: ${value}`),
  };
}

/** A web ACL's default action and each rule: what it blocks, per what key, at what rate. */
function webAclLines(inputs: Record<string, any>, indent: string) {
  return {
    summary: `${inputs.scope} · default ${Object.keys(inputs.defaultAction ?? {}).join(",")}`,
    details: asList(inputs.rules).map((rule: any) => {
      const rate = rule.statement?.rateBasedStatement;
      const operations = asList(rate?.scopeDownStatement?.orStatement?.statements).map((statement: any) =>
        String(statement.byteMatchStatement?.searchString).split(".").pop(),
      );
      const what = rate
        ? `over ${rate.limit} requests per ${rate.aggregateKeyType} per ${rate.evaluationWindowSec ?? 300} s${operations.length ? ` to ${operations.join(", ")}` : ""}`
        : "custom statement";
      return `${indent}${rule.name}: ${Object.keys(rule.action ?? {}).join(",")} ${what}`;
    }),
  };
}

function statements(evaluation: Evaluation, policy: string | PolicyDocument, indent: string): string[] {
  return asList((typeof policy === "string" ? JSON.parse(policy) : policy).Statement).map((statement: any) => {
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
function lifecycleRule(rule: Record<string, any>): string {
  const actions = [
    rule.abortIncompleteMultipartUpload &&
      `abort incomplete multipart uploads after ${rule.abortIncompleteMultipartUpload.daysAfterInitiation} day(s)`,
    rule.expiration?.days && `expire objects after ${rule.expiration.days} day(s)`,
    rule.expiration?.expiredObjectDeleteMarker && "remove delete markers with no versions left",
    rule.noncurrentVersionExpiration &&
      `delete noncurrent versions after ${rule.noncurrentVersionExpiration.noncurrentDays} day(s)`,
    ...asList(rule.transitions).map(
      (transition: any) => `move to ${transition.storageClass} after ${transition.days} day(s)`,
    ),
  ].filter(Boolean);
  const scope = (rule.filter?.prefix ?? rule.prefix) ? `prefix ${rule.filter?.prefix ?? rule.prefix}` : "whole bucket";
  return `${rule.id} (${scope}${rule.status === "Enabled" ? "" : `, ${rule.status}`}): ${actions.join("; ") || "no action"}`;
}

/** The settings that matter for review, per resource type; one header line plus detail lines. */
function settings(
  evaluation: Evaluation,
  resource: PlannedResource,
  indent: string,
): { summary: string; details: string[] } {
  const inputs = resource.inputs;
  switch (resource.type) {
    case "aws:apigatewayv2/api:Api": {
      const cors = inputs.corsConfiguration;
      return {
        summary: cors
          ? `CORS ${asList(cors.allowMethods).join(",")} from ${asList(cors.allowOrigins).join(",")} · headers ${asList(cors.allowHeaders).join(",")}`
          : "no CORS",
        details: [],
      };
    }
    case "command:local:Command": {
      // SST names a static site's build `<site>Builder`.
      const site = evaluation.siteBuilds.find((build) => `${build.name}Builder` === resource.name);
      return {
        summary: site
          ? `build: ${site.command} in ${site.path}, uploads ${site.path}/${site.output}`
          : `${inputs.create}`,
        details: [
          ...Object.entries(inputs.environment ?? {}).map(([name, value]) => `${indent}env ${name}=${value}`),
          ...(site ? [pageCspLine(inputs.environment ?? {}, indent)] : []),
        ],
      };
    }
    case "aws:apigatewayv2/route:Route":
      return { summary: `${inputs.routeKey} · auth ${inputs.authorizationType}`, details: [] };
    case "aws:apigatewayv2/stage:Stage": {
      const throttling = inputs.defaultRouteSettings ?? {};
      const log = inputs.accessLogSettings?.destinationArn;
      return {
        summary: `${inputs.name} · throttling burst ${throttling.throttlingBurstLimit ?? "none"} / rate ${throttling.throttlingRateLimit ?? "none"} · access log ${log ? `→ ${nameOf(evaluation, log)}` : "none"}`,
        details: stageHardeningLines(inputs, indent),
      };
    }
    case "aws:lambda/function:Function":
      return {
        summary: `${inputs.handler} · ${inputs.runtime} ${asList(inputs.architectures).join(",")} · ${inputs.memorySize} MB · ${inputs.timeout} s`,
        details: linkedValueLines(evaluation, inputs, indent),
      };
    case "aws:iam/role:Role": {
      const managed = asList(inputs.managedPolicyArns).map(String);
      const rolePolicies = rolePoliciesOf(evaluation, resource);
      return {
        summary: `managed ${managed.map((arn) => arn.split("/").pop()).join(", ") || "none"}`,
        details: [
          ...statements(evaluation, inputs.assumeRolePolicy, `${indent}trust: `),
          ...inlinePolicyLines(evaluation, inputs.inlinePolicies, indent),
          ...rolePolicies.flatMap((rolePolicy) =>
            statements(evaluation, rolePolicy.inputs.policy, `${indent}grant (${rolePolicy.name}): `),
          ),
          // What a managed policy allows is in its document, not its name.
          ...managed.flatMap((arn) => {
            const document = AWS_MANAGED_POLICIES[arn];
            const label = `${indent}grant (managed ${arn.split("/").pop()}): `;
            return document ? statements(evaluation, document, label) : [`${label}document unknown offline`];
          }),
        ],
      };
    }
    case "aws:iam/rolePolicy:RolePolicy":
      return {
        summary: `on role ${nameOf(evaluation, inputs.role)}`,
        details: statements(evaluation, inputs.policy, `${indent}`),
      };
    case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
      return {
        summary: `on ${nameOf(evaluation, inputs.bucket)}`,
        details: asList(inputs.rules).map((rule: any) => `${indent}${lifecycleRule(rule)}`),
      };
    case "aws:s3/bucketPolicy:BucketPolicy":
      return {
        summary: `on ${nameOf(evaluation, inputs.bucket)}`,
        details: statements(evaluation, inputs.policy, `${indent}`),
      };
    case "aws:s3/bucket:Bucket":
      return { summary: `${inputs.bucket} · forceDestroy ${inputs.forceDestroy}`, details: [] };
    case "aws:s3/bucketVersioning:BucketVersioning":
      return { summary: `versioning ${inputs.versioningConfiguration?.status}`, details: [] };
    case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
      const on = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((setting) => inputs[setting]);
      const all = PUBLIC_ACCESS_BLOCK_SETTINGS.length;
      return {
        summary: `${on.length}/${all} on${on.length < all ? ` (${on.join(", ") || "none"})` : ""}`,
        details: [],
      };
    }
    case "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration":
      return {
        summary: asList(inputs.corsRules)
          .map((rule: any) => `${asList(rule.allowedMethods).join(",")} from ${asList(rule.allowedOrigins).join(",")}`)
          .join("; "),
        details: [],
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { summary: `retention ${inputs.retentionInDays ?? "forever"} days`, details: [] };
    case "aws:cognito/userPool:UserPool": {
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
    }
    case "aws:cognito/userPoolClient:UserPoolClient":
      return {
        summary: `${asList(inputs.explicitAuthFlows).join(", ")} · secret ${inputs.generateSecret ? "yes" : "no"} · user existence errors ${inputs.preventUserExistenceErrors === "ENABLED" ? "hidden" : "revealed"} · ${clientAttributes(inputs)}`,
        details: [],
      };
    case "aws:cognito/identityPool:IdentityPool": {
      const providers = [
        ...asList(inputs.cognitoIdentityProviders).map(
          (provider: any) =>
            `${nameOf(evaluation, provider.providerName.split("/").pop())} client ${nameOf(evaluation, provider.clientId)} (token check ${provider.serverSideTokenCheck ? "on" : "OFF"})`,
        ),
        ...Object.keys(inputs.supportedLoginProviders ?? {}),
        ...asList(inputs.openidConnectProviderArns).map((arn) => nameOf(evaluation, String(arn))),
      ];
      return {
        summary: `guests ${inputs.allowUnauthenticatedIdentities ? "allowed" : "refused"} · classic flow ${inputs.allowClassicFlow ? "on" : "off"} · providers ${providers.join("; ") || "none"}`,
        details: [],
      };
    }
    case "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":
      return responseHeaderLines(inputs, indent);
    case "aws:cloudfront/distribution:Distribution": {
      const policy = inputs.defaultCacheBehavior?.responseHeadersPolicyId;
      return { summary: `response headers ${policy ? nameOf(evaluation, policy) : "none"}`, details: [] };
    }
    case "aws:wafv2/webAcl:WebAcl":
      return webAclLines(inputs, indent);
    case "aws:wafv2/webAclAssociation:WebAclAssociation":
      return {
        summary: `${nameOf(evaluation, inputs.webAclArn)} → ${nameOf(evaluation, inputs.resourceArn)}`,
        details: [],
      };
    case "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment":
      return {
        summary: Object.entries(inputs.roles ?? {})
          .map(([kind, arn]) => `${kind} → ${nameOf(evaluation, String(arn))}`)
          .join(" · "),
        details: [],
      };
  }
  return { summary: "", details: [] };
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
  const { summary, details } = settings(evaluation, resource, `${childPrefix}   `);
  const lines = [
    `${prefix}${branch}${resource.name}  (${resource.type})${summary ? `  ${summary}` : ""}${flags.length ? `  [${flags.join(", ")}]` : ""}`,
    ...details,
  ];
  const children = childrenOf(evaluation, resource).filter((child) => !BOOKKEEPING.has(child.type));
  children.forEach((child, index) =>
    lines.push(...render(evaluation, child, childPrefix, index === children.length - 1, false)),
  );
  return lines;
}

function report(evaluation: Evaluation): string {
  const { app } = evaluation;
  const roots = evaluation.resources.filter((resource) => !resource.parent && !BOOKKEEPING.has(resource.type));
  const found = findings(evaluation);
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

/** Stage settings as `sst` loads them: `.env`, then `.env.<stage>` over it. */
function stageSettings(stage: string): Record<string, string> {
  return Object.assign(
    {},
    ...[".env", `.env.${stage}`].filter(existsSync).map((file) => parseEnv(readFileSync(file, "utf8"))),
  );
}

const USAGE =
  "Usage: npm run plan -- --stage <stage> [--secret <name>]…  (--secret: a secret `sst secret set` holds for the stage)";

/** A usage mistake: one line saying what to type instead, exit 2. */
function usage(problem: string): never {
  // Without `--`, npm takes `--stage` as its own setting and hands the script what is left.
  const forgottenDashes = process.env.npm_config_stage !== undefined || process.env.npm_config_secret !== undefined;
  console.error(
    forgottenDashes ? `npm kept the options for itself: put -- before them. ${USAGE}` : `${problem} ${USAGE}`,
  );
  process.exit(2);
}

function options() {
  try {
    return parseArgs({ options: { stage: { type: "string" }, secret: { type: "string", multiple: true } } }).values;
  } catch (error) {
    // node:util's own message names the option ("Option '--stage <value>' argument missing").
    return usage(`${(error as Error).message.split("\n")[0]}.`);
  }
}

const values = options();
if (!values.stage) usage("Which stage?");
const evaluation = await evaluate({
  stage: values.stage,
  env: stageSettings(values.stage),
  // Only whether a secret is set changes what is created; its value never leaves `sst`.
  secrets: Object.fromEntries((values.secret ?? []).map((name) => [name, "<secret>"])),
}).catch((error: Error) => {
  console.error(error.message);
  process.exit(2);
});
// The app reads a secret through `new sst.Secret(name)`; any other name is a typo, not a setting.
const undeclared = (values.secret ?? []).filter(
  (name) => !evaluation.resources.some((resource) => resource.type === "sst:sst:Secret" && resource.name === name),
);
if (undeclared.length) {
  usage(
    `The app reads no secret named ${undeclared.join(", ")} for stage "${values.stage}": check the name in infra/.`,
  );
}
console.log(report(evaluation));
process.exit(findings(evaluation).length ? 1 : 0);
