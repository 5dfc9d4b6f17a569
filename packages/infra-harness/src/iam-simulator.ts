// IAM decisions on the policy documents the app generates, by @cloud-copilot/iam-simulate
// (AGPL-3.0-or-later: a devDependency of the tests and the local stack, never bundled or deployed).
// The one wrapper: the infra tests, the loopback doubles and `npm start` all judge requests here.
import {
  type EvaluationResult,
  runSimulation,
  runUnsafeSimulation,
  type Simulation,
} from "@cloud-copilot/iam-simulate";
import type { Evaluation, PlannedResource } from "./evaluation";
import { ACCOUNT_ID } from "./mocks";
import { identityPolicies, type PolicyDocument } from "./policies";

export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** A resource-based policy on the target, e.g. the bucket policy. */
  resourcePolicy?: PolicyDocument;
}

export type IdentityPolicies = Simulation["identityPolicies"];

/** The session principal of a role assumed through an identity pool. */
export const sessionOf = (role: PlannedResource, sessionName = "CognitoIdentityCredentials") =>
  `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role.outputs.name}/${sessionName}`;

const simulation = (principal: string, policies: IdentityPolicies, request: IamRequest): Simulation => ({
  request: {
    principal,
    action: request.action,
    resource: { resource: request.resource, accountId: ACCOUNT_ID },
    contextVariables: request.context ?? {},
  },
  identityPolicies: policies,
  serviceControlPolicies: [],
  resourceControlPolicies: [],
  resourcePolicy: request.resourcePolicy,
});

/**
 * What a session holding `policies` may do. The validated engine drops
 * `${cognito-identity.amazonaws.com:sub}` from S3 requests, so these go through the unvalidated one,
 * which resolves it; that one cannot also take a resource policy: a resource policy's Deny statements
 * are judged by adding them, without their Principal, to `policies` (see `denyStatementsOf`).
 */
export function decideForPolicies(
  principal: string,
  policies: IdentityPolicies,
  request: Omit<IamRequest, "resourcePolicy">,
): EvaluationResult {
  return runUnsafeSimulation(simulation(principal, policies, request), {});
}

/** What the role's session may do, with the role's policies as the evaluation holds them. */
export function decideForRole(
  evaluation: Evaluation,
  role: PlannedResource,
  request: Omit<IamRequest, "resourcePolicy">,
): EvaluationResult {
  return decideForPolicies(sessionOf(role), identityPolicies(evaluation, role), request);
}

/** A request judged by the validated engine, with a resource policy (trust policy, bucket policy). */
export async function decideWithResourcePolicy(
  principal: string,
  policies: IdentityPolicies,
  request: IamRequest & { resourcePolicy: PolicyDocument },
): Promise<EvaluationResult> {
  const result = await runSimulation(simulation(principal, policies, request), {});
  if (result.resultType === "error") throw new Error(`Simulation rejected: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

/** A resource policy's Deny statements as an identity policy (Principal dropped), for `decideForPolicies`. */
export function denyStatementsOf(name: string, policy: PolicyDocument): { name: string; policy: PolicyDocument } {
  return {
    name,
    policy: {
      Version: policy.Version,
      Statement: policy.Statement.filter((statement) => statement.Effect === "Deny").map(
        ({ Principal: _, ...statement }) => statement,
      ),
    },
  };
}
