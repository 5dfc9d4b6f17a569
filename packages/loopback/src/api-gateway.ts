/**
 * API Gateway (HTTP API) in front of the app's real route handlers: the routes, their authorization
 * and handlers as infra/ declares them. An `AWS_IAM` route checks the SigV4 signature, then IAM's
 * decision on `execute-api:Invoke` for the signer's role (the simulator), then sends the handler the
 * payload 2.0 event with the IAM authorizer context API Gateway sends.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { AppModel, AppRoute } from "./app-model";
import { iamEvent } from "./events";
import { authorize } from "./iam";
import type { Caller, CredentialStore } from "./identity-pool";
import type { Functions } from "./lambda";
import { json, type Plumbing, reply } from "./plumbing";
import { verifySignedRequest } from "./sigv4";
import type { Json } from "@iam-auth-api/infra-harness/evaluation";

export interface ApiGateway {
  url: string;
  /** From now on the API answers this identity 403, as when its role no longer grants execute-api:Invoke. */
  denyIdentity(identityId: string): void;
}

interface ApiState {
  app: AppModel;
  credentials: CredentialStore;
  functions: Functions;
  deniedIdentities: Set<string>;
  log: (message: string) => void;
}

export async function startApiGateway(
  plumbing: Plumbing,
  options: {
    app: AppModel;
    credentials: CredentialStore;
    functions: Functions;
    port?: number;
    log(message: string): void;
  },
): Promise<ApiGateway> {
  const state: ApiState = { ...options, deniedIdentities: new Set() };
  const url = await plumbing.listen(
    "api",
    (request, body, response) => serveRoute(state, request, body, response),
    options.port,
  );
  return { url, denyIdentity: (identityId) => state.deniedIdentities.add(identityId) };
}

const forbidden = (response: ServerResponse, message: string) => json(response, 403, { message }, "application/json");

async function serveRoute(state: ApiState, request: IncomingMessage, body: Buffer, response: ServerResponse) {
  const url = new URL(request.url ?? "/", "http://api");
  const routeKey = `${request.method} ${url.pathname}`;
  const route = state.app.routes.find((candidate) => candidate.routeKey === routeKey);
  if (!route) return json(response, 404, { message: "Not Found" }, "application/json");
  let caller: { caller: Caller; accessKeyId: string; principal: string } | undefined;
  if (route.authorizationType === "AWS_IAM") {
    const signed = await verifySignedRequest(state.credentials, state.app.region, request, body, "execute-api");
    if ("error" in signed) return forbidden(response, signed.error);
    const resource = `${state.app.executionArn}/$default/${request.method}${url.pathname}`;
    const decision = authorize(state.app, signed.credentials.caller, { action: "execute-api:Invoke", resource });
    const denied =
      signed.credentials.caller.kind === "identity" && state.deniedIdentities.has(signed.credentials.caller.identityId);
    if (!decision.allowed || denied)
      return forbidden(
        response,
        `User: ${decision.principal} is not authorized to perform: execute-api:Invoke on resource: ${resource}`,
      );
    caller = { caller: signed.credentials.caller, accessKeyId: signed.accessKeyId, principal: decision.principal };
  }
  const event = routeEvent(state.app, route, url, request, body, caller);
  try {
    reply(response, await state.functions.invoke(route, event));
  } catch (error) {
    // What API Gateway answers when the integration fails; the stack goes to the terminal, as CloudWatch would hold it.
    state.log(`${routeKey} failed: ${(error as Error).stack ?? error}`);
    json(response, 500, { message: "Internal Server Error" }, "application/json");
  }
}

/** The payload 2.0 event API Gateway sends the route's function. */
function routeEvent(
  app: AppModel,
  route: AppRoute,
  url: URL,
  request: IncomingMessage,
  body: Buffer,
  signed: { caller: Caller; accessKeyId: string; principal: string } | undefined,
): APIGatewayProxyEventV2 {
  const identity = signed?.caller.kind === "identity" ? signed.caller : undefined;
  const event = iamEvent(
    route.routeKey,
    identity ? { identityId: identity.identityId, identityPoolId: identity.identityPoolId, amr: identity.amr } : null,
    {
      rawQueryString: url.search.slice(1),
      // API Gateway leaves queryStringParameters out when the URL has no query.
      ...(url.search && { queryStringParameters: Object.fromEntries(url.searchParams) }),
      ...(body.length && { body: body.toString("base64"), isBase64Encoded: true }),
    },
  );
  const context = event.requestContext as APIGatewayProxyEventV2["requestContext"] & { authorizer?: Json };
  context.accountId = app.accountId;
  context.http.path = url.pathname;
  context.http.sourceIp = request.socket.remoteAddress ?? "127.0.0.1";
  context.http.userAgent = String(request.headers["user-agent"] ?? "");
  event.headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(",") : String(value),
    ]),
  );
  if (!signed) delete context.authorizer;
  else {
    const roleId = "AROALOCALSTACKROLE00";
    const session = signed.principal.split("/").at(-1);
    context.authorizer.iam = {
      ...context.authorizer.iam,
      accessKey: signed.accessKeyId,
      accountId: app.accountId,
      callerId: `${roleId}:${session}`,
      userArn: signed.principal,
      userId: `${roleId}:${session}`,
    };
  }
  return event;
}
