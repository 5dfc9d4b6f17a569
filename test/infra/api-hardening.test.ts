// What bounds and traces anonymous and signed use of the API.
import { describe, expect, test } from "vitest";
import { apiRoutes, single } from "@iam-auth-api/infra-harness/graph";
import { identityPolicies } from "@iam-auth-api/infra-harness/policies";
import { STAGES, useEvaluation } from "./fixtures";

const PUBLIC_ROUTE = "GET /public";

describe.each(STAGES)("HTTP API abuse limits and tracing (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const stageOf = () => single(app(), "aws:apigatewayv2/stage:Stage");

  test(`${PUBLIC_ROUTE} has its own throttle, lower than the signed routes' default`, () => {
    const defaults = stageOf().inputs.defaultRouteSettings;
    const settings = (stageOf().inputs.routeSettings ?? []) as any[];
    expect(
      settings.map((setting) => setting.routeKey),
      "routes with their own settings",
    ).toEqual([PUBLIC_ROUTE]);
    // Keyed by a route that exists, or API Gateway refuses the stage.
    expect(apiRoutes(app()).map((route) => route.routeKey)).toContain(settings[0].routeKey);
    expect(settings[0].throttlingRateLimit, "public rate").toBeLessThan(defaults.throttlingRateLimit);
    expect(settings[0].throttlingBurstLimit, "public burst").toBeLessThan(defaults.throttlingBurstLimit);
  });

  test("the access log records the caller's Cognito identity id and pool", () => {
    const format = JSON.parse(stageOf().inputs.accessLogSettings.format);
    expect(format.cognitoIdentityId, "cognitoIdentityId").toBe(`"$context.identity.cognitoIdentityId"`);
    expect(format.cognitoIdentityPoolId, "cognitoIdentityPoolId").toBe(`"$context.identity.cognitoIdentityPoolId"`);
    expect(format.requestId, "SST's own fields stay").toBe(`"$context.requestId"`);
  });

  test("the signed routes' handlers know this app's identity pool id, and nothing else of it", () => {
    const identityPool = single(app(), "aws:cognito/identityPool:IdentityPool");
    for (const route of apiRoutes(app()).filter((candidate) => candidate.routeKey !== PUBLIC_ROUTE)) {
      const linked = route.lambda.inputs.environment?.variables?.SST_RESOURCE_AppIdentityPool;
      expect(JSON.parse(linked ?? "{}").id, `${route.routeKey} SST_RESOURCE_AppIdentityPool`).toBe(
        identityPool.outputs.id,
      );
      // Linking the pool component itself would also grant cognito-identity:* on it.
      const actions = identityPolicies(app(), route.role).flatMap(({ policy }) =>
        policy.Statement.flatMap((statement) => [statement.Action ?? []].flat()),
      );
      expect(
        actions.filter((action: string) => action.startsWith("cognito")),
        `${route.routeKey} role's Cognito actions`,
      ).toEqual([]);
    }
  });
});
