import { describe, expect, test } from "vitest";
import { inComponent, single } from "@iam-auth-api/infra-harness/graph";
import { REGION } from "@iam-auth-api/infra-harness/mocks";
import { STAGES, useEvaluation } from "./fixtures";

describe.each(STAGES)("stack outputs (%s)", (stage) => {
  const app = useEvaluation({ stage });

  test("are the seven the README documents, none empty", () => {
    const { _protect, ...outputs } = app().outputs;
    expect(Object.keys(outputs).sort(), "output names").toEqual([
      "Api",
      "Bucket",
      "IdentityPool",
      "Region",
      "UserPool",
      "UserPoolClient",
      "Web",
    ]);
    for (const [name, value] of Object.entries(outputs)) expect(value, `output ${name}`).toMatch(/\S/);
  });

  test("point at the resources they name", () => {
    const { outputs } = app();
    expect(outputs.Api, "Api is the HTTP API's endpoint").toBe(
      single(app(), "aws:apigatewayv2/api:Api").outputs.apiEndpoint,
    );
    expect(outputs.Bucket, "Bucket is the uploads bucket's name").toBe(
      inComponent(app(), "Uploads", "aws:s3/bucket:Bucket").outputs.bucket,
    );
    expect(outputs.UserPool, "UserPool is the user pool's id").toBe(
      single(app(), "aws:cognito/userPool:UserPool").outputs.id,
    );
    expect(outputs.UserPoolClient, "UserPoolClient is the app client's id").toBe(
      single(app(), "aws:cognito/userPoolClient:UserPoolClient").outputs.id,
    );
    expect(outputs.IdentityPool, "IdentityPool is the identity pool's id").toBe(
      single(app(), "aws:cognito/identityPool:IdentityPool").outputs.id,
    );
  });

  test("Region is the region the AWS provider deploys to, not a fixed one", () => {
    expect(app().outputs.Region, "Region output").toBe(REGION);
  });
});
