// AWS managed policies' documents, copied from what AWS publishes (IAM console → Policies → the
// policy → Permissions, JSON; recheck the current version there when adding one). Data for the
// simulator and the security rules, which cannot fetch them offline: a role carrying a managed
// policy not listed here fails loudly instead of being judged on permissions nobody here has read.
import type { PolicyDocument } from "./policies";

export const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  // What SST 4.17.1 attaches to every Function role that logs (function.ts).
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" },
    ],
  },
};

export const isAwsManaged = (arn: string) => /^arn:aws[a-z-]*:iam::aws:policy\//.test(arn);
