// IAM decisions on the policy documents the app generates, by @cloud-copilot/iam-simulate
// (AGPL-3.0-or-later: a test-only devDependency, never shipped with the app).
import { type EvaluationResult, runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { Evaluation, PlannedResource } from "./evaluation";
import { ofType } from "./graph";
import { AWS_MANAGED_POLICIES } from "./managed-policies";
import { ACCOUNT_ID } from "./mocks";

export interface PolicyDocument {
  Version: string;
  Statement: Record<string, any>[];
}

/** Every identity policy the role would carry: inline, managed, and separate RolePolicy resources. */
export function identityPolicies(evaluation: Evaluation, role: PlannedResource): { name: string; policy: PolicyDocument }[] {
  const inline = (role.inputs.inlinePolicies ?? []).map((entry: { name: string; policy: string }) => ({
    name: entry.name,
    policy: JSON.parse(entry.policy),
  }));
  const managed = (role.inputs.managedPolicyArns ?? []).map((arn: string) => {
    if (!AWS_MANAGED_POLICIES[arn]) throw new Error(`Unknown managed policy ${arn} on role ${role.name}: add its document to test/harness/managed-policies.ts`);
    return { name: arn, policy: AWS_MANAGED_POLICIES[arn] };
  });
  const attached = ofType(evaluation, "aws:iam/rolePolicy:RolePolicy")
    .filter((rolePolicy) => rolePolicy.inputs.role === role.outputs.name)
    .map((rolePolicy) => ({ name: rolePolicy.name, policy: JSON.parse(rolePolicy.inputs.policy) }));
  const separatelyAttached = ofType(evaluation, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
    (attachment) => attachment.inputs.role === role.outputs.name,
  );
  if (separatelyAttached.length) throw new Error(`Role ${role.name} has policy attachments this harness cannot read`);
  return [...inline, ...managed, ...attached];
}

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** A resource-based policy on the target, e.g. the bucket policy. */
  resourcePolicy?: PolicyDocument;
}

/** The session principal of a role assumed through an identity pool. */
export const sessionOf = (role: PlannedResource) => `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role.outputs.name}/CognitoIdentityCredentials`;

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
export function decideForRole(evaluation: Evaluation, role: PlannedResource, request: Omit<Request, "resourcePolicy">): EvaluationResult {
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
