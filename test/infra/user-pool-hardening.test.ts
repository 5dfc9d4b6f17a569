// What stops anyone on the internet, or a signed-in user, from making the user pool send email,
// and how long a stolen session would last.
import { describe, expect, test } from "vitest";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { identityPoolRole, ofType, referencedBy, single } from "@iam-auth-api/infra-harness/graph";
import { evaluatesScenarios, STAGES, useEvaluation } from "./fixtures";

const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";

describe.each(STAGES)("user pool attributes and recovery (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const userPool = () => single(app(), "aws:cognito/userPool:UserPool");
  const client = () => single(app(), "aws:cognito/userPoolClient:UserPoolClient");

  test("the app client writes only the email sign-up needs, and reads only it", () => {
    expect(client().inputs.writeAttributes, "client writeAttributes").toEqual(["email"]);
    expect([...client().inputs.readAttributes].sort(), "client readAttributes").toEqual(["email", "email_verified"]);
  });

  test("a changed email takes effect only once the new address is verified", () => {
    expect(userPool().inputs.userAttributeUpdateSettings, "userAttributeUpdateSettings").toEqual({
      attributesRequireVerificationBeforeUpdates: ["email"],
    });
    expect(userPool().inputs.autoVerifiedAttributes, "autoVerifiedAttributes").toContain("email");
  });

  test("a session lasts a week without a new sign-in, not Cognito's 30 days", () => {
    expect(client().inputs.refreshTokenValidity, "client refreshTokenValidity").toBe(7);
    expect(client().inputs.tokenValidityUnits?.refreshToken, "refresh token unit").toBe("days");
  });

  test("accounts are recovered by verified email only", () => {
    expect(userPool().inputs.accountRecoverySetting, "accountRecoverySetting").toEqual({
      recoveryMechanisms: [{ name: "verified_email", priority: 1 }],
    });
  });

  test("the guest role's inline policies are managed exclusively, and empty", () => {
    // pulumi-aws keeps a role's existing inline policies when `inlinePolicies` is `[]`; one empty
    // block makes the set exclusive, so an upgraded stage loses SST's old guest grants.
    expect(identityPoolRole(app(), "unauthenticated").inputs.inlinePolicies, "guest role inlinePolicies").toEqual([{}]);
  });
});

describe("production: a per-IP rate limit in front of the user pool, by default", () => {
  const app = useEvaluation({ stage: "production" });

  test("a regional web ACL, associated with this user pool", () => {
    const association = single(app(), ASSOCIATION);
    expect(association.inputs.resourceArn, "association resourceArn").toBe(
      single(app(), "aws:cognito/userPool:UserPool").outputs.arn,
    );
    const acl = referencedBy(app(), WEB_ACL, "arn", association.inputs.webAclArn);
    expect(acl, "the associated web ACL").toBeDefined();
    expect(acl!.inputs.scope, "web ACL scope").toBe("REGIONAL");
    expect(acl!.inputs.defaultAction, "default action").toEqual({ allow: {} });
  });

  test("blocks an IP past its rate: email-sending operations tightly, every call loosely", () => {
    const rules = single(app(), WEB_ACL).inputs.rules as any[];
    const rates = rules.map((rule) => ({
      action: Object.keys(rule.action),
      key: rule.statement.rateBasedStatement?.aggregateKeyType,
      limit: rule.statement.rateBasedStatement?.limit,
      operations: rule.statement.rateBasedStatement?.scopeDownStatement?.orStatement?.statements.map((statement: any) =>
        statement.byteMatchStatement.searchString.split(".").pop(),
      ),
    }));
    expect(rates, "rate-based rules").toEqual([
      {
        action: ["block"],
        key: "IP",
        limit: 20,
        operations: [
          "SignUp",
          "ResendConfirmationCode",
          "ForgotPassword",
          "UpdateUserAttributes",
          "GetUserAttributeVerificationCode",
        ],
      },
      { action: ["block"], key: "IP", limit: 1000, operations: undefined },
    ]);
  });
});

describe("the user pool WAF stage setting", () => {
  const off = useEvaluation({ stage: "production", env: { USER_POOL_WAF: "off" } });
  const dev = useEvaluation({ stage: "dev" });
  const unknownValue = { stage: "prod", env: { USER_POOL_WAF: "yes" } };
  evaluatesScenarios([unknownValue]);

  test("USER_POOL_WAF=off leaves production without it", () => {
    expect(ofType(off(), WEB_ACL), "web ACLs").toEqual([]);
    expect(ofType(off(), ASSOCIATION), "associations").toEqual([]);
  });

  test("other stages have none unless asked", () => {
    expect(ofType(dev(), WEB_ACL), "web ACLs in dev").toEqual([]);
  });

  test("a value other than on or off fails the deploy with one line naming the fix", async () => {
    const failure = evaluate(unknownValue);
    await expect(failure, "evaluation").rejects.toThrow(
      'USER_POOL_WAF "yes" is neither on nor off: set USER_POOL_WAF=on or USER_POOL_WAF=off in .env.prod',
    );
    await expect(failure, "one line").rejects.toThrow(/^[^\n]+$/);
  }, 120_000);
});
