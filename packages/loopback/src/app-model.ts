/**
 * What the doubles serve, read from the app's offline evaluation (sst.config.ts and infra/ under
 * Pulumi mocks), never retyped: the routes with their authorization, handler and role; each role's
 * policies; the bucket; the user pool's password policy, username attributes and the client's auth
 * flows; the identity pool's token check; CORS. Change infra/ and the doubles follow at the next start.
 */
import { corsOf } from "@iam-auth-api/infra-harness/cors";
import type { Evaluation, PlannedResource } from "@iam-auth-api/infra-harness/evaluation";
import { apiRoutes, identityPoolRole, referencing, single } from "@iam-auth-api/infra-harness/graph";
import { resolveHandler } from "@iam-auth-api/infra-harness/handlers";
import { type IdentityPolicies, denyStatementsOf, sessionOf } from "@iam-auth-api/infra-harness/iam-simulator";
import { ACCOUNT_ID } from "@iam-auth-api/infra-harness/mocks";
import { identityPolicies, type PolicyDocument } from "@iam-auth-api/infra-harness/policies";
import type { LoopbackCors } from "./cors";
import type { IdentityPoolConfig } from "./identity-pool";
import type { UserPoolConfig } from "./user-pool";

/** An IAM principal and the identity policies its session carries. */
export interface RolePolicies {
  principal: string;
  policies: IdentityPolicies;
}

export interface AppRoute {
  routeKey: string;
  /** `AWS_IAM` or `NONE`. */
  authorizationType: string;
  /** The function's id (SST's `functionID`), its source file and export. */
  functionId: string;
  file: string;
  exportName: string;
  /** The environment SST gives the function: its variables and one `SST_RESOURCE_<name>` per link. */
  environment: Record<string, string>;
  role: RolePolicies;
}

export interface AppModel {
  stage: string;
  region: string;
  accountId: string;
  /** The outputs as `sst deploy` prints them for this stage (Api, Bucket… as AWS would name them). */
  outputs: Record<string, string>;
  bucket: string;
  /** The bucket's resource policy Deny statements, as identity policies (the simulator's way to judge them). */
  bucketDenies: IdentityPolicies;
  /** `arn:aws:execute-api:<region>:<account>:<api id>`: the API's routes are `<executionArn>/$default/GET/private`… */
  executionArn: string;
  routes: AppRoute[];
  authenticatedRole: RolePolicies;
  userPool: UserPoolConfig;
  identityPool: IdentityPoolConfig;
  cors: LoopbackCors;
}

/** The app as `evaluation` configures it; handler files are resolved under `root` (the repository). */
export function appModel(evaluation: Evaluation, root: string): AppModel {
  const region = String(evaluation.outputs.Region);
  const bucket = String(evaluation.outputs.Bucket);
  const bucketPolicies = referencing(evaluation, "aws:s3/bucketPolicy:BucketPolicy", "bucket", bucket);
  const userPool = single(evaluation, "aws:cognito/userPool:UserPool").inputs;
  const client = single(evaluation, "aws:cognito/userPoolClient:UserPoolClient").inputs;
  const identityPool = single(evaluation, "aws:cognito/identityPool:IdentityPool");
  return {
    stage: evaluation.app.stage,
    region,
    accountId: ACCOUNT_ID,
    outputs: Object.fromEntries(
      Object.entries(evaluation.outputs)
        .filter(([name]) => !name.startsWith("_"))
        .map(([name, value]) => [name, String(value)]),
    ),
    bucket,
    bucketDenies: bucketPolicies.map((policy) =>
      denyStatementsOf(policy.name, JSON.parse(policy.inputs.policy) as PolicyDocument),
    ),
    executionArn: single(evaluation, "aws:apigatewayv2/api:Api").outputs.executionArn,
    routes: apiRoutes(evaluation).map((route) => {
      const build = evaluation.builds.find((candidate) => candidate.handler === route.handler)!;
      const { file, exportName } = resolveHandler(root, route.handler);
      if (!file) throw new Error(`The handler ${route.handler} of ${route.routeKey} has no source file.`);
      const {
        SST_KEY: _,
        SST_KEY_FILE: __,
        ...variables
      } = (route.lambda.inputs.environment?.variables ?? {}) as Record<string, string>;
      return {
        routeKey: route.routeKey,
        authorizationType: route.authorizationType,
        functionId: build.functionID,
        file,
        exportName,
        environment: {
          ...variables,
          // SST encrypts the links into the bundle (SST_KEY_FILE); the plain variables are what sst/resource reads them as.
          ...Object.fromEntries(
            Object.entries(build.links ?? {}).map(([name, properties]) => [
              `SST_RESOURCE_${name}`,
              JSON.stringify(properties),
            ]),
          ),
        },
        role: rolePolicies(evaluation, route.role, route.lambda.inputs.name ?? build.functionID),
      };
    }),
    authenticatedRole: rolePolicies(evaluation, identityPoolRole(evaluation, "authenticated")),
    userPool: {
      region,
      passwordPolicy: userPool.passwordPolicy,
      usernameAttributes: userPool.usernameAttributes ?? [],
      explicitAuthFlows: client.explicitAuthFlows ?? [],
    },
    identityPool: {
      region,
      id: String(evaluation.outputs.IdentityPool),
      serverSideTokenCheck: (identityPool.inputs.cognitoIdentityProviders ?? []).some(
        (provider: { serverSideTokenCheck?: boolean }) => provider.serverSideTokenCheck,
      ),
    },
    cors: corsOf(evaluation),
  };
}

function rolePolicies(evaluation: Evaluation, role: PlannedResource, sessionName?: string): RolePolicies {
  return { principal: sessionOf(role, sessionName), policies: identityPolicies(evaluation, role) };
}

/** The bucket's ARN, as the policies name it. */
export const bucketArn = (app: AppModel) => `arn:aws:s3:::${app.bucket}`;
