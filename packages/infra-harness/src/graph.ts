import { type Evaluation, type PlannedResource, resourceKey } from "./evaluation";

export const ofType = (evaluation: Evaluation, type: string) =>
  evaluation.resources.filter((resource) => resource.type === type);

/** The one resource of a type, failing with what was found instead: most of the app has one of each. */
export function single(evaluation: Evaluation, type: string): PlannedResource {
  const found = ofType(evaluation, type);
  if (found.length !== 1) {
    throw new Error(
      `Expected exactly one ${type} in stage ${evaluation.app.stage}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0];
}

/** The resources of a type directly inside the named component (`WebAssets` → its bucket…). */
export const ofTypeInComponent = (evaluation: Evaluation, component: string, type: string) =>
  ofType(evaluation, type).filter((resource) => resource.parent?.endsWith(`::${component}`));

/** The one resource of a type directly inside the named component (`Uploads` → its bucket, policy…): an app may have several buckets. */
export function inComponent(evaluation: Evaluation, component: string, type: string): PlannedResource {
  const found = ofTypeInComponent(evaluation, component, type);
  if (found.length !== 1) {
    throw new Error(
      `Expected exactly one ${type} in component ${component} in stage ${evaluation.app.stage}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0];
}

export const childrenOf = (evaluation: Evaluation, parent: PlannedResource) =>
  evaluation.resources.filter((resource) => resource.parent === resourceKey(parent));

function parentOf(evaluation: Evaluation, child: PlannedResource): PlannedResource | undefined {
  return evaluation.resources.find((resource) => resourceKey(resource) === child.parent);
}

/** The resource whose computed output `output` equals `value`: how one resource's inputs name another. */
export function referencedBy(
  evaluation: Evaluation,
  type: string,
  output: string,
  value: unknown,
): PlannedResource | undefined {
  return ofType(evaluation, type).find((resource) => resource.outputs[output] === value);
}

/** The resources of a type whose input `input` names `value`: what hangs off a resource (a bucket's policy, CORS…; a role's policies). */
export const referencing = (evaluation: Evaluation, type: string, input: string, value: unknown) =>
  ofType(evaluation, type).filter((resource) => resource.inputs[input] === value);

/** The RolePolicy resources attached to a role. */
export const rolePoliciesOf = (evaluation: Evaluation, role: PlannedResource) =>
  referencing(evaluation, "aws:iam/rolePolicy:RolePolicy", "role", role.outputs.name);

/** The log group a Lambda function sends its logs to, when the app creates it (SST's `logging` option). */
export const logGroupOf = (evaluation: Evaluation, lambda: PlannedResource) =>
  referencedBy(evaluation, "aws:cloudwatch/logGroup:LogGroup", "name", lambda.inputs.loggingConfig?.logGroup);

/** The log group the API's stage writes its access log to, followed through its ARN. */
export function apiAccessLog(evaluation: Evaluation): PlannedResource | undefined {
  const destination = single(evaluation, "aws:apigatewayv2/stage:Stage").inputs.accessLogSettings?.destinationArn;
  return referencedBy(evaluation, "aws:cloudwatch/logGroup:LogGroup", "arn", destination);
}

/** The role the identity pool hands to signed-in (`authenticated`) or guest identities, followed through its role attachment. */
export function identityPoolRole(evaluation: Evaluation, kind: "authenticated" | "unauthenticated"): PlannedResource {
  const arn = single(evaluation, "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment").inputs.roles[
    kind
  ];
  const role = referencedBy(evaluation, "aws:iam/role:Role", "arn", arn);
  if (!role) throw new Error(`The identity pool's ${kind} role ${arn} is not in stage ${evaluation.app.stage}`);
  return role;
}

interface ApiRoute {
  routeKey: string;
  authorizationType: string;
  /** The handler infra/ gave the route's `sst.aws.Function`, as SST's build received it. */
  handler: string;
  lambda: PlannedResource;
  role: PlannedResource;
}

/** Every API Gateway route with the Lambda behind its integration, followed through the ARNs. */
export function apiRoutes(evaluation: Evaluation): ApiRoute[] {
  return ofType(evaluation, "aws:apigatewayv2/route:Route").map((route) => {
    const integrationName = String(route.inputs.target).replace(/^integrations\//, "");
    const integration = referencedBy(evaluation, "aws:apigatewayv2/integration:Integration", "id", integrationName);
    const lambda =
      integration && referencedBy(evaluation, "aws:lambda/function:Function", "arn", integration.inputs.integrationUri);
    const role = lambda && referencedBy(evaluation, "aws:iam/role:Role", "arn", lambda.inputs.role);
    const build =
      lambda && evaluation.builds.find((candidate) => candidate.functionID === parentOf(evaluation, lambda)?.name);
    if (!lambda || !role || !build)
      throw new Error(`Route ${route.inputs.routeKey} does not lead to a built Lambda function with a role`);
    return {
      routeKey: route.inputs.routeKey,
      authorizationType: route.inputs.authorizationType,
      handler: build.handler,
      lambda,
      role,
    };
  });
}
