import { createHash } from "node:crypto";
import type { Json } from "./evaluation";

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";

/** Stable per resource, so two evaluations of the same scenario agree and ARNs differ between resources. */
const digest = (seed: string, length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789") =>
  [...createHash("sha256").update(seed).digest()]
    .slice(0, length)
    .map((byte) => alphabet[byte % alphabet.length])
    .join("");

const uuid = (seed: string) => {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/**
 * The outputs AWS would compute for a created resource, for the types whose outputs the app or
 * SST's components read back. Anything else gets an id and, for AWS types, a plausible ARN.
 */
export function computedOutputs(type: string, name: string, inputs: Record<string, Json>): Record<string, Json> {
  const seed = `${type}::${name}`;
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = inputs.bucket ?? `${name.toLowerCase()}-${digest(seed, 8)}`;
      return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com` };
    }
    case "aws:cognito/userPool:UserPool": {
      const id = `${REGION}_${digest(seed, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`;
      return {
        id,
        arn: `arn:aws:cognito-idp:${REGION}:${ACCOUNT_ID}:userpool/${id}`,
        endpoint: `cognito-idp.${REGION}.amazonaws.com/${id}`,
      };
    }
    case "aws:cognito/userPoolClient:UserPoolClient":
      return { id: digest(seed, 26) };
    case "aws:cognito/identityPool:IdentityPool": {
      const id = `${REGION}:${uuid(seed)}`;
      return { id, arn: `arn:aws:cognito-identity:${REGION}:${ACCOUNT_ID}:identitypool/${id}` };
    }
    case "aws:apigatewayv2/api:Api": {
      const id = digest(seed, 10);
      return {
        id,
        arn: `arn:aws:apigateway:${REGION}::/apis/${id}`,
        apiEndpoint: `https://${id}.execute-api.${REGION}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${id}`,
      };
    }
    case "aws:apigatewayv2/stage:Stage":
      return {
        id: inputs.name,
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${inputs.apiId}/${inputs.name}`,
        invokeUrl: `https://${inputs.apiId}.execute-api.${REGION}.amazonaws.com/${inputs.name}`,
      };
    case "aws:iam/role:Role": {
      const roleName = inputs.name ?? `${name}-${digest(seed, 7)}`;
      return {
        id: roleName,
        name: roleName,
        arn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`,
        uniqueId: `AROA${digest(seed, 17).toUpperCase()}`,
      };
    }
    case "aws:lambda/function:Function": {
      const functionName = inputs.name ?? `${name}-${digest(seed, 7)}`;
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`;
      return {
        id: functionName,
        name: functionName,
        arn,
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
      };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const logGroupName = inputs.name ?? `${name}-${digest(seed, 7)}`;
      return {
        id: logGroupName,
        name: logGroupName,
        arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${logGroupName}`,
      };
    }
    case "aws:cloudfront/distribution:Distribution": {
      const id = digest(seed, 14, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
      return {
        id,
        arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`,
        domainName: `d${digest(seed, 13)}.cloudfront.net`,
        hostedZoneId: "Z2FDTNDATAQYW2",
      };
    }
    case "aws:wafv2/webAcl:WebAcl": {
      const id = uuid(seed);
      const scope = inputs.scope === "CLOUDFRONT" ? "global" : "regional";
      return {
        id,
        arn: `arn:aws:wafv2:${REGION}:${ACCOUNT_ID}:${scope}/webacl/${inputs.name ?? name}/${id}`,
        capacity: 0,
      };
    }
    case "random:index/randomBytes:RandomBytes": {
      const bytes = createHash("sha256")
        .update(seed)
        .digest()
        .subarray(0, inputs.length ?? 32);
      return { id: seed, base64: bytes.toString("base64"), hex: bytes.toString("hex") };
    }
  }
  const id = `${name}-${digest(seed, 8)}`;
  if (!type.startsWith("aws:")) return { id };
  const service = type.slice("aws:".length, type.indexOf("/"));
  return { id, arn: `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${id}` };
}

type PolicyStatementArgs = {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  notPrincipals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
};

const STATEMENT_FIELDS = new Set([
  "sid",
  "effect",
  "actions",
  "notActions",
  "resources",
  "notResources",
  "principals",
  "notPrincipals",
  "conditions",
]);

/** The Terraform provider collapses one-element lists to a string; the tests read the same JSON AWS would. */
const oneOrMany = (values: string[]) => (values.length === 1 ? values[0] : values);

function renderPrincipals(principals: { type: string; identifiers: string[] }[]) {
  if (principals.length === 1 && principals[0].type === "*" && principals[0].identifiers.join() === "*") return "*";
  const rendered: Record<string, string[]> = {};
  for (const { type, identifiers } of principals) {
    rendered[type] ??= [];
    rendered[type].push(...identifiers);
  }
  return Object.fromEntries(Object.entries(rendered).map(([type, ids]) => [type, oneOrMany(ids)]));
}

/**
 * `aws.iam.getPolicyDocument`, rendered the way the provider does. It refuses arguments it does not
 * implement rather than dropping them, so a new field in infra/ cannot silently vanish from the policy.
 */
function renderPolicyDocument(inputs: { statements?: PolicyStatementArgs[]; [other: string]: unknown }): string {
  const unsupported = Object.keys(inputs).filter((key) => key !== "statements" && inputs[key] !== undefined);
  if (unsupported.length) throw new Error(`getPolicyDocument mock does not implement: ${unsupported.join(", ")}`);
  const Statement = (inputs.statements ?? []).map((statement) => {
    const unknown = Object.keys(statement).filter((key) => !STATEMENT_FIELDS.has(key));
    if (unknown.length)
      throw new Error(`getPolicyDocument mock does not implement statement fields: ${unknown.join(", ")}`);
    const rendered: Record<string, unknown> = {};
    if (statement.sid) rendered.Sid = statement.sid;
    rendered.Effect = statement.effect ?? "Allow";
    if (statement.actions?.length) rendered.Action = oneOrMany(statement.actions);
    if (statement.notActions?.length) rendered.NotAction = oneOrMany(statement.notActions);
    if (statement.resources?.length) rendered.Resource = oneOrMany(statement.resources);
    if (statement.notResources?.length) rendered.NotResource = oneOrMany(statement.notResources);
    if (statement.principals?.length) rendered.Principal = renderPrincipals(statement.principals);
    if (statement.notPrincipals?.length) rendered.NotPrincipal = renderPrincipals(statement.notPrincipals);
    if (statement.conditions?.length) {
      const condition: Record<string, Record<string, string | string[]>> = {};
      for (const { test, variable, values } of statement.conditions) {
        condition[test] ??= {};
        condition[test][variable] = oneOrMany(values);
      }
      rendered.Condition = condition;
    }
    return rendered;
  });
  return JSON.stringify({ Version: "2012-10-17", Statement });
}

/** Answers for the provider functions the app and SST's components call. */
export function invokeResult(token: string, inputs: Record<string, Json>): Record<string, Json> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return {
        id: REGION,
        name: REGION,
        region: REGION,
        endpoint: `ec2.${REGION}.amazonaws.com`,
        description: "US East (N. Virginia)",
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        id: ACCOUNT_ID,
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`,
        userId: "AIDAEXAMPLEDEPLOYER",
      };
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const json = renderPolicyDocument(inputs);
      // The data source echoes its arguments, an empty list as absent (as the bridged provider does):
      // SST's Function reads `statements` back to decide whether its role gets an inline policy.
      return {
        ...inputs,
        statements: inputs.statements?.length ? inputs.statements : undefined,
        id: createHash("sha256").update(json).digest("hex").slice(0, 10),
        json,
        minifiedJson: json,
      };
    }
  }
  throw new Error(`No mock for provider function ${token}: add one to packages/infra-harness/src/mocks.ts`);
}
