import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startLoopback, type Loopback } from "@iam-auth-api/aws-doubles/loopback";
import { createWorkspace, type Workspace } from "./run-cli";

const EMAIL = "me@example.com";
const PASSWORD = "Passw0rd!";

let loopback: Loopback;
let workspace: Workspace;
let identityId: string;

beforeAll(async () => {
  loopback = await startLoopback();
  workspace = await createWorkspace(loopback);
}, 30_000);
afterAll(async () => {
  await workspace?.remove();
  await loopback?.stop();
});

const sessionPath = () => join(workspace.cacheDir, `${loopback.outputs.UserPool}.json`);
const readCache = async () => JSON.parse(await readFile(sessionPath(), "utf8"));

/** Requests the CLI makes while `action` runs, as `service operation`. */
async function requestsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const before = loopback.requests.length;
  await action();
  return loopback.requests.slice(before).map(({ service, operation }) => `${service} ${operation}`);
}

describe("the tutorial's journey, as a subprocess", () => {
  test("signup, confirm with the emailed code, login, whoami", async () => {
    const signup = await workspace.run(["signup", EMAIL], { input: `${PASSWORD}\n` });
    expect(signup).toMatchObject({ code: 0, stderr: "" });
    expect(signup.stdout).toContain(`iam-api confirm ${EMAIL} <code>`);

    const code = await loopback.confirmationCode(EMAIL);
    expect(await workspace.run(["confirm", EMAIL, code])).toMatchObject({ code: 0, stdout: `Confirmed ${EMAIL}. Log in with: iam-api login ${EMAIL}\n` });

    const login = await workspace.run(["login", EMAIL, "--json"], { input: `${PASSWORD}\n` });
    expect(login.code).toBe(0);
    ({ identityId } = JSON.parse(login.stdout));
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);

    const whoami = await workspace.run(["whoami"]);
    expect(whoami.code).toBe(0);
    expect(whoami.stderr).toBe("HTTP 200 OK\n");
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      message: `Hello ${identityId}!`,
      identityId,
      identityPoolId: loopback.outputs.IdentityPool,
      provider: `cognito-idp.us-east-1.amazonaws.com/${loopback.outputs.UserPool}`,
    });
  });

  test("the password went to Cognito only in SignUp: login proved it with SRP", () => {
    const carriers = loopback.requests.filter((request) => request.body.includes(PASSWORD)).map((request) => request.operation);
    expect(carriers).toEqual(["SignUp"]);
    const login = loopback.requests.filter((request) => request.operation === "InitiateAuth" || request.operation === "RespondToAuthChallenge");
    expect(login.map((request) => JSON.parse(request.body).AuthFlow ?? JSON.parse(request.body).ChallengeName)).toEqual(["USER_SRP_AUTH", "PASSWORD_VERIFIER"]);
  });

  test("upload, ls, download and rm stay under private/<identityId>/", async () => {
    const source = join(workspace.root, "notes.txt");
    await writeFile(source, "my private notes\n");
    const upload = await workspace.run(["upload", source, "docs/notes.txt", "--json"]);
    expect(upload.code).toBe(0);
    expect(JSON.parse(upload.stdout)).toEqual({ name: "docs/notes.txt", key: `private/${identityId}/docs/notes.txt`, size: 17 });
    expect(await loopback.storedObjects()).toEqual(new Map([[`private/${identityId}/docs/notes.txt`, "my private notes\n"]]));

    const ls = await workspace.run(["ls"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^\s+17 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}docs\/notes\.txt\n$/);
    expect(JSON.parse((await workspace.run(["ls", "--json"])).stdout)).toMatchObject({ prefix: `private/${identityId}/`, files: [{ name: "docs/notes.txt", size: 17 }] });

    expect(await workspace.run(["download", "docs/notes.txt", "-"])).toMatchObject({ code: 0, stdout: "my private notes\n" });
    expect((await workspace.run(["download", "docs/notes.txt"])).code).toBe(0);
    expect(await readFile(join(workspace.project, "notes.txt"), "utf8")).toBe("my private notes\n");

    expect(await workspace.run(["rm", "docs/notes.txt"])).toMatchObject({ code: 0, stdout: "Deleted docs/notes.txt.\n" });
    expect(await loopback.storedObjects()).toEqual(new Map());
    expect((await workspace.run(["download", "docs/notes.txt", "-"])).stderr).toContain('There is no file "docs/notes.txt"');
  });

  test("call prints the status and body; --json wraps them", async () => {
    const result = await workspace.run(["call", "get", "/files", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 200, contentType: "application/json", body: { prefix: `private/${identityId}/`, files: [] } });
    const missing = await workspace.run(["call", "GET", "/nowhere"]);
    expect(missing).toMatchObject({ code: 1, stdout: '{\n  "message": "Not Found"\n}\n' });
    expect(missing.stderr).toBe("HTTP 404 Not Found\niam-api: GET /nowhere failed with HTTP 404 Not Found.\n");
  });

  test("config gives a client app its settings", async () => {
    const json = JSON.parse((await workspace.run(["config"])).stdout);
    expect(json).toEqual({
      region: "us-east-1",
      apiUrl: loopback.outputs.Api,
      userPoolId: loopback.outputs.UserPool,
      userPoolClientId: loopback.outputs.UserPoolClient,
      identityPoolId: loopback.outputs.IdentityPool,
      bucket: loopback.outputs.Bucket,
    });
    expect((await workspace.run(["config", "--format", "env"])).stdout).toContain(`USER_POOL_CLIENT_ID=${loopback.outputs.UserPoolClient}\n`);
  });
});

describe("the credential cache", () => {
  test("a call with a warm cache makes exactly one request", async () => {
    expect(await requestsDuring(() => workspace.run(["call", "GET", "/private"]))).toEqual(["api GET /private"]);
  });

  test("credentials about to expire are renewed with the cached id token", async () => {
    loopback.credentialLifetimeMs = 60_000;
    const cache = await readCache();
    await writeFile(sessionPath(), JSON.stringify({ ...cache, credentials: { ...cache.credentials, expiresAt: Date.now() + 60_000 } }));
    expect(await requestsDuring(() => workspace.run(["whoami"]))).toEqual(["cognitoIdentity GetCredentialsForIdentity", "api GET /private"]);
    loopback.credentialLifetimeMs = 60 * 60_000;
  });

  test("expired tokens are refreshed with the refresh token first", async () => {
    const cache = await readCache();
    await writeFile(sessionPath(), JSON.stringify({ ...cache, signIn: { ...cache.signIn, tokensExpireAt: Date.now() }, credentials: { ...cache.credentials, expiresAt: Date.now() } }));
    const requests = await requestsDuring(async () => expect((await workspace.run(["whoami"])).code).toBe(0));
    expect(requests).toEqual(["cognitoIdp InitiateAuth", "cognitoIdentity GetCredentialsForIdentity", "api GET /private"]);
    expect((await readCache()).signIn.tokensExpireAt).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(await requestsDuring(() => workspace.run(["whoami"]))).toEqual(["api GET /private"]);
  });

  test("the cache file is the user's alone, and the only place credentials are written", async () => {
    expect((await stat(sessionPath())).mode & 0o777).toBe(0o600);
    expect((await stat(workspace.cacheDir)).mode & 0o777).toBe(0o700);
    const { credentials, signIn } = await readCache();
    expect(await workspace.filesHolding([credentials.secretAccessKey, credentials.sessionToken, signIn.refreshToken, signIn.idToken, PASSWORD])).toEqual([sessionPath()]);
    expect(await readFile(sessionPath(), "utf8")).not.toContain(PASSWORD);
  });

  test("a revoked refresh token asks the user to log in again", async () => {
    const cache = await readCache();
    await loopback.cognitoLocal("RevokeToken", { ClientId: loopback.outputs.UserPoolClient, Token: cache.signIn.refreshToken });
    await writeFile(sessionPath(), JSON.stringify({ ...cache, signIn: { ...cache.signIn, tokensExpireAt: Date.now() }, credentials: { ...cache.credentials, expiresAt: Date.now() } }));
    expect(await workspace.run(["whoami"])).toEqual({ code: 1, stdout: "", stderr: `iam-api: Your sign-in has expired or was revoked: log in again with \`iam-api login ${EMAIL}\`.\n` });
  });

  test("logout revokes the refresh token and deletes the cache file", async () => {
    expect((await workspace.run(["login", EMAIL], { input: `${PASSWORD}\n` })).code).toBe(0);
    const { signIn } = await readCache();
    const requests = await requestsDuring(async () => expect((await workspace.run(["logout", "--json"])).stdout).toBe('{"loggedOut":true,"revoked":true}\n'));
    expect(requests).toEqual(["cognitoIdp RevokeToken"]);
    await expect(stat(sessionPath())).rejects.toThrow(/ENOENT/);
    await expect(loopback.cognitoLocal("InitiateAuth", { ClientId: loopback.outputs.UserPoolClient, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: signIn.refreshToken } })).rejects.toThrow(/NotAuthorized/);
    expect((await workspace.run(["whoami"])).stderr).toBe(`iam-api: Not logged in to user pool ${loopback.outputs.UserPool}: run \`iam-api login <email>\` or \`iam-api login --provider <name> --token <token>\` first.\n`);
  });
});

describe("confirm --admin", () => {
  test("confirms with the deployer's AWS credentials, as admin-confirm-sign-up", async () => {
    expect((await workspace.run(["signup", "admin@example.com"], { input: `${PASSWORD}\n` })).code).toBe(0);
    const confirm = await workspace.run(["confirm", "admin@example.com", "--admin"], { env: { AWS_ACCESS_KEY_ID: "AKIDLOCAL", AWS_SECRET_ACCESS_KEY: "local" } });
    expect(confirm).toMatchObject({ code: 0, stdout: "Confirmed admin@example.com. Log in with: iam-api login admin@example.com\n" });
    expect(loopback.requests.at(-1)?.operation).toBe("AdminConfirmSignUp");
    expect((await workspace.run(["login", "admin@example.com"], { input: `${PASSWORD}\n` })).code).toBe(0);
  });

  test("without AWS credentials says where they come from", async () => {
    expect((await workspace.run(["signup", "nocreds@example.com"], { input: `${PASSWORD}\n` })).code).toBe(0);
    const confirm = await workspace.run(["confirm", "nocreds@example.com", "--admin"]);
    expect(confirm.code).toBe(1);
    expect(confirm.stderr).toMatch(/^iam-api: `confirm --admin` signs with your own AWS credentials \(the deployer's\) and found none: set AWS_PROFILE/);
  });
});
