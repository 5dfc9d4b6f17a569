import { describe, expect, test } from "vitest";
import type { PlannedResource } from "@iam-auth-api/infra-harness/evaluation";
import { apiAccessLog, apiRoutes, logGroupOf, single } from "@iam-auth-api/infra-harness/graph";
import { resolveHandler } from "@iam-auth-api/infra-harness/handlers";
import { decideForRole, decideWithResourcePolicy } from "./simulate";
import { isAwsManaged } from "@iam-auth-api/infra-harness/managed-policies";
import { ACCOUNT_ID, REGION } from "@iam-auth-api/infra-harness/mocks";
import { identityPolicies } from "@iam-auth-api/infra-harness/policies";
import { STAGES, useEvaluation } from "./fixtures";

const ROOT = new URL("../..", import.meta.url).pathname;
const PUBLIC_ROUTE = "GET /public";
/** Node majors Lambda still supports for new functions (nodejs20.x was deprecated on 2026-04-30). */
const OLDEST_CURRENT_NODE = 22;
/** API Gateway HTTP APIs give up on an integration after 30 seconds. */
const API_GATEWAY_TIMEOUT_SECONDS = 30;

describe.each(STAGES)("HTTP API (%s)", (stage) => {
  const app = useEvaluation({ stage });

  test(`${PUBLIC_ROUTE} is open (authorizationType NONE)`, () => {
    const route = apiRoutes(app()).find((candidate) => candidate.routeKey === PUBLIC_ROUTE);
    expect(route?.authorizationType, `${PUBLIC_ROUTE} authorizationType`).toBe("NONE");
  });

  test("every other route requires SigV4 (authorizationType AWS_IAM)", () => {
    const privateRoutes = apiRoutes(app()).filter((route) => route.routeKey !== PUBLIC_ROUTE);
    expect(privateRoutes.map((route) => route.routeKey).sort(), "private routes").toEqual([
      "GET /files",
      "GET /private",
    ]);
    for (const route of privateRoutes)
      expect(route.authorizationType, `${route.routeKey} authorizationType`).toBe("AWS_IAM");
  });

  test("every route's handler is a function exported by a file on disk", async () => {
    for (const route of apiRoutes(app())) {
      const { file, exportName } = resolveHandler(ROOT, route.handler);
      expect(file, `file of ${route.routeKey} handler ${route.handler}`).toBeDefined();
      const module = await import(file!);
      expect(typeof module[exportName], `${route.routeKey} handler export ${exportName}`).toBe("function");
    }
  });

  test("Lambdas run on arm64 with a current Node.js runtime", () => {
    for (const { routeKey, lambda } of apiRoutes(app())) {
      expect(lambda.inputs.architectures, `${routeKey} Lambda architectures`).toEqual(["arm64"]);
      const major = Number(/^nodejs(\d+)\.x$/.exec(lambda.inputs.runtime)?.[1]);
      expect(major, `${routeKey} Lambda runtime ${lambda.inputs.runtime}`).toBeGreaterThanOrEqual(OLDEST_CURRENT_NODE);
    }
  });

  test("Lambdas time out before API Gateway gives up on them", () => {
    for (const { routeKey, lambda } of apiRoutes(app())) {
      expect(Number(lambda.inputs.timeout), `${routeKey} Lambda timeout`).toBeLessThan(API_GATEWAY_TIMEOUT_SECONDS);
    }
  });

  test("the stage throttles every route", () => {
    const settings = single(app(), "aws:apigatewayv2/stage:Stage").inputs.defaultRouteSettings ?? {};
    expect(Number(settings.throttlingBurstLimit), "stage throttlingBurstLimit").toBeGreaterThan(0);
    expect(Number(settings.throttlingRateLimit), "stage throttlingRateLimit").toBeGreaterThan(0);
  });

  test("the stage writes access logs to the API's log group", () => {
    const accessLog = single(app(), "aws:apigatewayv2/stage:Stage").inputs.accessLogSettings;
    const logGroup = apiAccessLog(app());
    expect(logGroup, "access log destination, a log group of the app").toBeDefined();
    expect(accessLog.format, "access log format").toMatch(/\$context\.requestId/);
    expect(Number(logGroup?.inputs.retentionInDays), "access log retentionInDays").toBeGreaterThan(0);
  });

  describe("Lambda logs", () => {
    const accessLog = () => apiAccessLog(app())!;
    const ownLogGroup = (lambda: PlannedResource) => logGroupOf(app(), lambda);
    /** CreateLogStream and PutLogEvents are authorized on the stream they touch. */
    const stream = (groupArn: string) => `${groupArn}:log-stream:2026/11/26/[$LATEST]0123456789abcdef`;

    test("each route's Lambda may write to its own log group", () => {
      for (const { routeKey, lambda, role } of apiRoutes(app())) {
        const group = ownLogGroup(lambda);
        expect(group, `${routeKey} Lambda's own log group`).toBeDefined();
        for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
          expect(
            decideForRole(app(), role, { action, resource: stream(group!.outputs.arn) }),
            `${routeKey} ${action} into its own group`,
          ).toBe("Allowed");
        }
      }
    });

    test("no route's Lambda may write to the API's access log, another route's group, or any other", () => {
      const others = (lambda: PlannedResource) => [
        accessLog().outputs.arn,
        ...apiRoutes(app())
          .map((route) => ownLogGroup(route.lambda)!.outputs.arn)
          .filter((arn) => arn !== ownLogGroup(lambda)!.outputs.arn),
        `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/lambda/another-app`,
      ];
      for (const { routeKey, lambda, role } of apiRoutes(app())) {
        for (const groupArn of others(lambda)) {
          for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
            expect(
              decideForRole(app(), role, { action, resource: stream(groupArn) }),
              `${routeKey} ${action} into ${groupArn}`,
            ).not.toBe("Allowed");
          }
          expect(
            decideForRole(app(), role, { action: "logs:CreateLogGroup", resource: groupArn }),
            `${routeKey} logs:CreateLogGroup`,
          ).not.toBe("Allowed");
        }
      }
    });

    test("Lambda roles carry no AWS managed policy (SST's AWSLambdaBasicExecutionRole is replaced)", () => {
      for (const { routeKey, role } of apiRoutes(app())) {
        const managed = identityPolicies(app(), role)
          .map(({ name }) => name)
          .filter(isAwsManaged);
        expect(managed, `${routeKey} Lambda role's AWS managed policies`).toEqual([]);
      }
    });
  });

  test("Lambda roles trust the Lambda service and no one in the account", async () => {
    const mayAssumeAnyRole = [
      {
        name: "admin",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] },
      },
    ];
    for (const { routeKey, role } of apiRoutes(app())) {
      const trust = JSON.parse(role.inputs.assumeRolePolicy);
      const assume = (principal: string, policies: typeof mayAssumeAnyRole) =>
        decideWithResourcePolicy(principal, policies, {
          action: "sts:AssumeRole",
          resource: role.outputs.arn,
          resourcePolicy: trust,
        });
      expect(await assume("lambda.amazonaws.com", []), `${routeKey} role assumed by lambda.amazonaws.com`).toBe(
        "Allowed",
      );
      expect(
        await assume("arn:aws:iam::123456789012:user/admin", mayAssumeAnyRole),
        `${routeKey} role assumed by an IAM user of the account allowed sts:AssumeRole on *`,
      ).not.toBe("Allowed");
    }
  });
});
