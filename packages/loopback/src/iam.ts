/**
 * IAM's decision on a signed request: the policies of the role that signed it (the identity pool's
 * authenticated role for users, each Lambda's own role for the handlers), judged by the simulator,
 * with the request context AWS would put in.
 */
import { decideForPolicies } from "@iam-auth-api/infra-harness/iam-simulator";
import type { AppModel, RolePolicies } from "./app-model";
import type { Caller } from "./identity-pool";

export interface IamDecision {
  allowed: boolean;
  /** The session that asked: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  principal: string;
}

export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** Resource-policy Deny statements that apply too (the bucket's), as identity policies. */
  resourceDenies?: RolePolicies["policies"];
}

/** The role whose policies a caller's session carries. */
export function roleOf(app: AppModel, caller: Caller): RolePolicies {
  if (caller.kind === "identity") return app.authenticatedRole;
  const route = app.routes.find((candidate) => candidate.functionId === caller.functionId);
  if (!route) throw new Error(`No function ${caller.functionId} in stage ${app.stage}`);
  return route.role;
}

/** What IAM puts in the context of every request by this caller. */
function callerContext(caller: Caller): Record<string, string | string[]> {
  if (caller.kind === "function") return {};
  return {
    // IAM resolves `${cognito-identity.amazonaws.com:sub}` in the role's policy from these.
    "cognito-identity.amazonaws.com:sub": caller.identityId,
    "cognito-identity.amazonaws.com:aud": caller.identityPoolId,
    "cognito-identity.amazonaws.com:amr": caller.amr,
  };
}

export function authorize(app: AppModel, caller: Caller, request: IamRequest): IamDecision {
  const role = roleOf(app, caller);
  const result = decideForPolicies(role.principal, [...role.policies, ...(request.resourceDenies ?? [])], {
    action: request.action,
    resource: request.resource,
    context: { ...callerContext(caller), ...request.context },
  });
  return { allowed: result === "Allowed", principal: role.principal };
}
