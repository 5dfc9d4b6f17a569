import { describe, expect, test } from "vitest";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { single } from "@iam-auth-api/infra-harness/graph";
import { warnings } from "@iam-auth-api/infra-harness/rules";
import { evaluatesScenarios, useEvaluation } from "./fixtures";

/** A stage's SES settings, as `.env.prod` would hold them: a domain identity and an address at it. */
const SES = {
  SES_FROM_ADDRESS: "Example <no-reply@mail.example.com>",
  SES_IDENTITY_ARN: "arn:aws:ses:us-east-1:123456789012:identity/example.com",
};

describe("user pool email, SES configured (production)", () => {
  const app = useEvaluation({ stage: "production", env: SES });
  const userPool = () => single(app(), "aws:cognito/userPool:UserPool");

  test("sends through the stage's own SES identity, from its address", () => {
    expect(userPool().inputs.emailConfiguration, "emailConfiguration").toEqual({
      emailSendingAccount: "DEVELOPER",
      fromEmailAddress: SES.SES_FROM_ADDRESS,
      sourceArn: SES.SES_IDENTITY_ARN,
    });
  });

  test("leaves nothing to warn about", () => {
    expect(warnings(app()), "plan warnings").toEqual([]);
  });
});

describe("user pool email, no SES settings", () => {
  const production = useEvaluation({ stage: "production" });

  test("production still deploys, with Cognito's own sender", () => {
    expect(
      single(production(), "aws:cognito/userPool:UserPool").inputs.emailConfiguration?.emailSendingAccount,
      "emailSendingAccount",
    ).toBe("COGNITO_DEFAULT");
  });
});

describe("SES settings that cannot work fail the deploy with one line naming the fix", () => {
  const refused: [string, Record<string, string>, string][] = [
    [
      "a from-address without the identity",
      { SES_FROM_ADDRESS: SES.SES_FROM_ADDRESS },
      "SES_FROM_ADDRESS is set but SES_IDENTITY_ARN is not. Set both in .env.prod",
    ],
    [
      "an identity without a from-address",
      { SES_IDENTITY_ARN: SES.SES_IDENTITY_ARN },
      "SES_IDENTITY_ARN is set but SES_FROM_ADDRESS is not. Set both in .env.prod",
    ],
    [
      "an address the identity does not cover",
      { ...SES, SES_FROM_ADDRESS: "no-reply@example.org" },
      "is not covered by the SES identity example.com",
    ],
  ];
  evaluatesScenarios(refused.map(([, env]) => ({ stage: "prod", env })));

  test.each(refused)(
    "%s",
    async (_, env, message) => {
      const failure = evaluate({ stage: "prod", env });
      await expect(failure, "evaluation").rejects.toThrow(message);
      await expect(failure, "one line").rejects.toThrow(/^[^\n]+$/);
    },
    120_000,
  );
});
