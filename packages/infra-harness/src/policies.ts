// The IAM policy documents an evaluation holds, read the way IAM reads them.
import { asList, type Evaluation, type PlannedResource } from "./evaluation";
import { referencing, rolePoliciesOf } from "./graph";
import { AWS_MANAGED_POLICIES } from "./managed-policies";

export interface PolicyDocument {
  Version: string;
  Statement: Record<string, any>[];
}

/** Every identity policy the role would carry: inline, managed, and separate RolePolicy resources. */
export function identityPolicies(
  evaluation: Evaluation,
  role: PlannedResource,
): { name: string; policy: PolicyDocument }[] {
  // An empty block (`[{}]`) only makes the role's inline policies exclusive: it holds no policy.
  const inline = asList(role.inputs.inlinePolicies)
    .filter((entry: any) => entry.policy !== undefined)
    .map((entry: any) => ({
      name: entry.name as string,
      policy: JSON.parse(entry.policy),
    }));
  const managed = asList(role.inputs.managedPolicyArns).map((arn: any) => {
    if (!AWS_MANAGED_POLICIES[arn])
      throw new Error(
        `Unknown managed policy ${arn} on role ${role.name}: add its document to packages/infra-harness/src/managed-policies.ts`,
      );
    return { name: arn as string, policy: AWS_MANAGED_POLICIES[arn] };
  });
  const attached = rolePoliciesOf(evaluation, role).map((rolePolicy) => ({
    name: rolePolicy.name,
    policy: JSON.parse(rolePolicy.inputs.policy),
  }));
  const separatelyAttached = referencing(
    evaluation,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "role",
    role.outputs.name,
  );
  if (separatelyAttached.length) throw new Error(`Role ${role.name} has policy attachments this harness cannot read`);
  return [...inline, ...managed, ...attached];
}
