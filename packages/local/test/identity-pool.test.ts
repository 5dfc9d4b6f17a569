// The identity pool double's server-side token check, which the evaluated app turns on
// (`serverSideTokenCheck` in infra/auth.ts): a deleted user's still-valid id token mints no credentials.
import { type Loopback, startLoopback } from "@iam-auth-api/loopback/loopback";
import { afterAll, beforeAll, expect, test } from "vitest";

let loopback: Loopback;
beforeAll(async () => {
  loopback = await startLoopback();
}, 60_000);
afterAll(() => loopback?.stop());

const identityCall = async (operation: string, body: Record<string, unknown>) => {
  const response = await fetch(loopback.endpoints.cognitoIdentity, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityService.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

test("a deleted user's id token, still within its lifetime, gets no credentials", async () => {
  expect(loopback.app.identityPool.serverSideTokenCheck, "the evaluated pool asks for the check").toBe(true);
  const email = "deleted@example.com";
  await loopback.cognitoLocal("AdminCreateUser", {
    UserPoolId: loopback.outputs.UserPool,
    Username: email,
    TemporaryPassword: "Passw0rd!",
    MessageAction: "SUPPRESS",
  });
  await loopback.cognitoLocal("AdminSetUserPassword", {
    UserPoolId: loopback.outputs.UserPool,
    Username: email,
    Password: "Passw0rd!",
    Permanent: true,
  });
  const { AuthenticationResult } = (await loopback.cognitoLocal("InitiateAuth", {
    ClientId: loopback.outputs.UserPoolClient,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: "Passw0rd!" },
  })) as { AuthenticationResult: { IdToken: string } };
  const logins = {
    [`cognito-idp.${loopback.outputs.Region}.amazonaws.com/${loopback.outputs.UserPool}`]: AuthenticationResult.IdToken,
  };
  const id = await identityCall("GetId", { IdentityPoolId: loopback.outputs.IdentityPool, Logins: logins });
  expect(id.status).toBe(200);
  const before = await identityCall("GetCredentialsForIdentity", { IdentityId: id.body.IdentityId, Logins: logins });
  expect(before.status).toBe(200);
  await loopback.cognitoLocal("AdminDeleteUser", { UserPoolId: loopback.outputs.UserPool, Username: email });
  const after = await identityCall("GetCredentialsForIdentity", { IdentityId: id.body.IdentityId, Logins: logins });
  expect(after).toEqual({ status: 400, body: { __type: "NotAuthorizedException", message: "Invalid login token." } });
});
