// Sign-out forgets the AWS credentials itself, whoever calls it: the signers holding them are
// dropped with Amplify's session. Amplify is replaced here by a session that never changes, so a
// signer that survives sign-out would be handed out again.
import { beforeEach, describe, expect, test, vi } from "vitest";

const amplify = vi.hoisted(() => ({ fetchAuthSession: vi.fn(), signOut: vi.fn() }));
vi.mock("aws-amplify/auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("aws-amplify/auth")>()),
  ...amplify,
}));

const { forgetSession, signOutAndForget } = await import("../src/auth");
const { signedIdentity } = await import("../src/credentials");

const SESSION = {
  identityId: "us-east-1:0a6b1bb0-614c-4e00-9028-146854eaee4a",
  credentials: {
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret",
    sessionToken: "session-token",
    expiration: new Date(Date.now() + 3_600_000),
  },
};

describe("signing out", () => {
  beforeEach(() => {
    amplify.fetchAuthSession.mockResolvedValue(SESSION);
    amplify.signOut.mockResolvedValue(undefined);
  });

  test("signers are reused while signed in (the cache the sign-outs must empty)", async () => {
    expect(await signedIdentity()).toBe(await signedIdentity());
  });

  test.each([
    ["signOutAndForget", signOutAndForget],
    ["forgetSession", forgetSession],
  ])("%s drops the signers that hold the credentials", async (_, signOut) => {
    const before = await signedIdentity();
    await signOut();
    expect(amplify.signOut).toHaveBeenCalled();
    expect(await signedIdentity(), "signers from before sign-out").not.toBe(before);
  });

  test("a revocation that fails leaves the session usable for another try", async () => {
    const before = await signedIdentity();
    amplify.signOut.mockRejectedValue(Object.assign(new Error("offline"), { name: "NetworkError" }));
    await expect(signOutAndForget()).rejects.toThrow("offline");
    expect(await signedIdentity()).toBe(before);
  });
});
