// IAM decisions on the policy documents the app generates, by @cloud-copilot/iam-simulate
// (AGPL-3.0-or-later: a test-only devDependency, never shipped with the app).
import {
  type EvaluationResult,
  runSimulation,
  runUnsafeSimulation,
  type Simulation,
} from "@cloud-copilot/iam-simulate";
import type { Evaluation, PlannedResource } from "@iam-auth-api/infra-harness/evaluation";
import { ACCOUNT_ID } from "@iam-auth-api/infra-harness/mocks";
import { identityPolicies, type PolicyDocument } from "@iam-auth-api/infra-harness/policies";

interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** A resource-based policy on the target, e.g. the bucket policy. */
  resourcePolicy?: PolicyDocument;
}

/** The session principal of a role assumed through an identity pool. */
export const sessionOf = (role: PlannedResource) =>
  `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role.outputs.name}/CognitoIdentityCredentials`;

const simulation = (principal: string, policies: Simulation["identityPolicies"], request: Request): Simulation => ({
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
 * What the role's session may do. The validated engine drops `${cognito-identity.amazonaws.com:sub}`
 * from S3 requests, so requests that carry it go through the unvalidated one, which resolves it;
 * that one cannot also take a resource policy (see `decideWithResourcePolicy`).
 */
export function decideForRole(
  evaluation: Evaluation,
  role: PlannedResource,
  request: Omit<Request, "resourcePolicy">,
): EvaluationResult {
  return runUnsafeSimulation(simulation(sessionOf(role), identityPolicies(evaluation, role), request), {});
}

/** A request judged by the validated engine, with a resource policy (trust policy, bucket policy). */
export async function decideWithResourcePolicy(
  principal: string,
  policies: Simulation["identityPolicies"],
  request: Request & { resourcePolicy: PolicyDocument },
): Promise<EvaluationResult> {
  const result = await runSimulation(simulation(principal, policies, request), {});
  if (result.resultType === "error") throw new Error(`Simulation rejected: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
