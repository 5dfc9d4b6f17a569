// A per-IP rate limit in front of the user pool. Sign-up, resending a code and forgotten passwords
// need no login, so without it one script makes Cognito send email for anyone: it exhausts the
// default sender's daily quota (real users then get no codes that day) or, with SES, mails any
// address from your domain. IAM cannot help here: these calls are unauthenticated.
//
// Production stages get it by default; `USER_POOL_WAF=off` in `.env.<stage>` turns it off (and
// `=on` turns it on for any other stage). A regional AWS WAF web ACL is what a user pool accepts
// (SST 4.17.1's CognitoUserPool has no option for it, so it is an `aws.wafv2` resource of its own);
// it bills per ACL, per rule and per request inspected (see the README).
import { userPool } from "./auth";
import { onOffSetting } from "./stage-settings";

/** A 5-minute window: WAF counts each IP's requests over it (the default, and what the limits below mean). */
const WINDOW_SECONDS = 300;

/** The user pool's unauthenticated or per-user operations that make Cognito send an email. */
const EMAIL_SENDING_OPERATIONS = [
  "SignUp",
  "ResendConfirmationCode",
  "ForgotPassword",
  "UpdateUserAttributes",
  "GetUserAttributeVerificationCode",
];

/**
 * Requests per IP per window. Emails: a person signing up, resending a code twice and resetting a
 * password makes 4; 20 leaves room for a shared office address. All calls: sign-in, refreshes and
 * the rest of a busy session stay far below 1,000.
 */
export const USER_POOL_RATE_LIMITS = { emailSending: 20, all: 1000 } as const;

const enabled = onOffSetting("USER_POOL_WAF", $app.protect);

/** A Cognito API operation, as its `X-Amz-Target` header names it (what WAF can see of a request). */
const operationIs = (operation: string) => ({
  byteMatchStatement: {
    fieldToMatch: { singleHeader: { name: "x-amz-target" } },
    positionalConstraint: "EXACTLY",
    searchString: `AWSCognitoIdentityProviderService.${operation}`,
    textTransformations: [{ priority: 0, type: "NONE" }],
  },
});

function perIpRule(name: string, priority: number, limit: number, scopeDownStatement?: object) {
  return {
    name,
    priority,
    action: { block: {} },
    statement: {
      rateBasedStatement: { aggregateKeyType: "IP", evaluationWindowSec: WINDOW_SECONDS, limit, scopeDownStatement },
    },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
  };
}

function userPoolWebAcl() {
  return new aws.wafv2.WebAcl("UserPoolWebAcl", {
    // Regional: a user pool is a regional resource (CLOUDFRONT scope is for distributions only).
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    rules: [
      perIpRule("PerIpEmailSending", 0, USER_POOL_RATE_LIMITS.emailSending, {
        orStatement: { statements: EMAIL_SENDING_OPERATIONS.map(operationIs) },
      }),
      perIpRule("PerIpAllCalls", 1, USER_POOL_RATE_LIMITS.all),
    ],
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "UserPoolWebAcl", sampledRequestsEnabled: true },
  });
}

/** The web ACL in front of the user pool, when the stage has one. */
export const userPoolWebAclAssociation = enabled
  ? new aws.wafv2.WebAclAssociation("UserPoolWebAclAssociation", {
      resourceArn: userPool.arn,
      webAclArn: userPoolWebAcl().arn,
    })
  : undefined;
