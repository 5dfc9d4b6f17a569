// The IAM policy documents an evaluation holds, read the way IAM reads them.
import { type Json, asList, type Evaluation, type PlannedResource } from "./evaluation";
import { referencing, rolePoliciesOf } from "./graph";
import { AWS_MANAGED_POLICIES } from "./managed-policies";

export interface PolicyDocument {
  Version: string;
  Statement: Record<string, Json>[];
}

/** One identity policy a role carries, and where it comes from. */
export interface IdentityPolicy {
  /** The inline policy's name, the RolePolicy resource's name, or the managed policy's ARN. */
  name: string;
  source: "inline" | "role policy" | "managed";
  policy: PolicyDocument;
}

/**
 * A role whose permissions cannot be read offline: an AWS managed policy whose document is not in
 * managed-policies.ts, or a policy attachment. Every reader refuses to judge such a role rather than
 * judge it on permissions nobody here has read: the simulator fails, each rule that reads the role's
 * policies reports it as a finding, and the plan prints the message under the role.
 */
export class UnreadablePolicies extends Error {}

/** Every identity policy the role would carry: inline, separate RolePolicy resources, and managed. */
export function identityPolicies(evaluation: Evaluation, role: PlannedResource): IdentityPolicy[] {
  const separatelyAttached = referencing(
    evaluation,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "role",
    role.outputs.name,
  );
  if (separatelyAttached.length) {
    throw new UnreadablePolicies(`Role ${role.name} has policy attachments this harness cannot read`);
  }
  // An empty block (`[{}]`) only makes the role's inline policies exclusive: it holds no policy.
  const inline = asList(role.inputs.inlinePolicies)
    .filter((entry: Json) => entry.policy !== undefined)
    .map(
      (entry: Json): IdentityPolicy => ({
        name: entry.name as string,
        source: "inline",
        policy: JSON.parse(entry.policy),
      }),
    );
  const attached = rolePoliciesOf(evaluation, role).map(
    (rolePolicy): IdentityPolicy => ({
      name: rolePolicy.name,
      source: "role policy",
      policy: JSON.parse(rolePolicy.inputs.policy),
    }),
  );
  const managed = asList(role.inputs.managedPolicyArns)
    .map(String)
    .map((arn): IdentityPolicy => {
      const policy = AWS_MANAGED_POLICIES[arn];
      if (!policy) {
        throw new UnreadablePolicies(
          `Unknown managed policy ${arn} on role ${role.name}: add its document to packages/infra-harness/src/managed-policies.ts`,
        );
      }
      return { name: arn, source: "managed", policy };
    });
  return [...inline, ...attached, ...managed];
}
