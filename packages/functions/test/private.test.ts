import { describe, expect, it } from "vitest";
import { handler } from "../src/private";
import {
  IDENTITY_ID,
  IDENTITY_POOL_ID,
  USER_POOL_PROVIDER,
  iamEvent,
  userPoolIdentity,
} from "@iam-auth-api/loopback/events";

// SST's Resource reads linked values from SST_RESOURCE_<Name> (deployed, from the bundle) on first use.
process.env.SST_RESOURCE_AppIdentityPool = JSON.stringify({ id: IDENTITY_POOL_ID, type: "sst.sst.Linkable" });
const OTHER_IDENTITY_POOL_ID = "us-east-1:5f291106-8703-466b-8f2b-3ecee1ca56ce";

function body(response: { body?: string }) {
  return JSON.parse(response.body ?? "null");
}

describe("GET /private", () => {
  it("names the signed-in caller: identity id, pool and how they signed in", async () => {
    const response = await handler(iamEvent("GET /private"));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["content-type"]).toBe("application/json");
    expect(body(response)).toEqual({
      message: `Hello ${IDENTITY_ID}!`,
      identityId: IDENTITY_ID,
      identityPoolId: IDENTITY_POOL_ID,
      provider: USER_POOL_PROVIDER,
      amr: userPoolIdentity().amr,
    });
  });

  it("reports a federated provider from the amr", async () => {
    const twitter = { ...userPoolIdentity(), amr: ["authenticated", "api.twitter.com", "api.twitter.com:123456789"] };
    expect(body(await handler(iamEvent("GET /private", twitter))).provider).toBe("api.twitter.com");
  });

  it("answers 403 to an IAM caller that is not a Cognito identity", async () => {
    const response = await handler(iamEvent("GET /private", null));
    expect(response.statusCode).toBe(403);
    expect(body(response).error).toMatch(/signed-in Cognito identity/);
  });

  it("answers 403 to an identity of another identity pool, in one sentence", async () => {
    const foreign = { ...userPoolIdentity(), identityPoolId: OTHER_IDENTITY_POOL_ID };
    const response = await handler(iamEvent("GET /private", foreign));
    expect(response.statusCode).toBe(403);
    expect(body(response).error).toBe(
      "This API accepts only identities of its own identity pool: sign in through this app (see the README, `login` then `call`).",
    );
  });

  it("answers 403 to a guest (unauthenticated) identity", async () => {
    const guest = { ...userPoolIdentity(), amr: ["unauthenticated"] };
    const response = await handler(iamEvent("GET /private", guest));
    expect(response.statusCode).toBe(403);
    expect(body(response).error).toMatch(/sign in/);
  });

  it.each([
    ["an identity id with a path in it", { ...userPoolIdentity(), identityId: "us-east-1:../../other" }],
    ["an identity id that is not a Cognito id", { ...userPoolIdentity(), identityId: "admin" }],
    ["amr that is not a list", { ...userPoolIdentity(), amr: "authenticated" as unknown as string[] }],
    ["no identity pool id", { ...userPoolIdentity(), identityPoolId: "" }],
  ])("answers 403, never a 500, to %s", async (_, identity) => {
    const response = await handler(iamEvent("GET /private", identity));
    expect(response.statusCode).toBe(403);
  });

  it.each([null, undefined, "GET /private", 42])("answers 403 to a malformed event (%s)", async (event) => {
    const response = await handler(event as never);
    expect(response.statusCode).toBe(403);
  });

  it.each([
    ["no request context", { requestContext: undefined }],
    ["no authorizer (a route misconfigured without IAM auth)", { requestContext: { http: { method: "GET" } } }],
  ])("answers 403 to a hand-made event with %s", async (_, overrides) => {
    const response = await handler(iamEvent("GET /private", userPoolIdentity(), overrides as never));
    expect(response.statusCode).toBe(403);
  });
});
