import { describe, expect, test } from "vitest";
import { single } from "@iam-auth-api/infra-harness/graph";
import { PASSWORD_CLASS_SETTINGS } from "@iam-auth-api/infra-harness/rules";
import { STAGES, useEvaluation } from "./fixtures";

describe.each(STAGES)("Cognito user pool (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const userPool = () => single(app(), "aws:cognito/userPool:UserPool");
  const client = () => single(app(), "aws:cognito/userPoolClient:UserPoolClient");

  test("signs users in with their email address, case-insensitively", () => {
    expect(userPool().inputs.usernameAttributes, "usernameAttributes").toEqual(["email"]);
    expect(userPool().inputs.usernameConfiguration?.caseSensitive, "usernameConfiguration.caseSensitive").toBe(false);
  });

  test("requires passwords of 8+ characters with all four character classes", () => {
    const policy = userPool().inputs.passwordPolicy ?? {};
    expect(Number(policy.minimumLength), "passwordPolicy.minimumLength").toBeGreaterThanOrEqual(8);
    expect(PASSWORD_CLASS_SETTINGS, "character classes").toHaveLength(4);
    for (const rule of PASSWORD_CLASS_SETTINGS) {
      expect(policy[rule], `passwordPolicy.${rule}`).toBe(true);
    }
  });

  test("has one client, of this pool", () => {
    expect(client().inputs.userPoolId, "client userPoolId").toBe(userPool().outputs.id);
  });

  test("the client proves passwords with SRP and refreshes tokens, nothing else", () => {
    expect([...client().inputs.explicitAuthFlows].sort(), "client explicitAuthFlows").toEqual([
      "ALLOW_REFRESH_TOKEN_AUTH",
      "ALLOW_USER_SRP_AUTH",
    ]);
  });

  test("the client is public: no secret, no hosted-UI OAuth flows", () => {
    expect(client().inputs.generateSecret, "client generateSecret").toBe(false);
    expect(client().inputs.allowedOauthFlowsUserPoolClient, "client allowedOauthFlowsUserPoolClient").toBe(false);
    expect(client().inputs.allowedOauthFlows ?? [], "client allowedOauthFlows").toEqual([]);
  });

  test("the client does not reveal which email addresses have accounts", () => {
    expect(client().inputs.preventUserExistenceErrors, "client preventUserExistenceErrors").toBe("ENABLED");
  });
});
