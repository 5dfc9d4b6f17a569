import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { userPoolProviderName } from "@iam-auth-api/client/settings";
import { describe, expect, test } from "vitest";
import { useWorkspace } from "./fixture";

const EMAIL = "me@example.com";
const PASSWORD = "Passw0rd!";
/** The tutorial's reader: a user of the journey's own, so that it signs up whichever test ran before it. */
const READER = "reader@example.com";

const fixture = useWorkspace();

/** Whether EMAIL has an account in this file's user pool, confirmed. */
let signedUp = false;
/** The identity of EMAIL's current login in this file's workspace, once one happened. */
let loggedIn: Promise<string> | undefined;

/**
 * The set-up tests build on: EMAIL signed up, confirmed (with --admin, as the deployer would) and
 * logged in, with its identity id; made once, and again after a test signs someone else in, so that
 * any test passes alone (`-t`) or in any order.
 */
function logIn(): Promise<string> {
  loggedIn ??= (async () => {
    if (!signedUp) await fixture.signUpConfirmed(EMAIL, `${PASSWORD}\n`);
    signedUp = true;
    const login = await fixture.workspace.run(["login", EMAIL, "--json"], { input: `${PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    return JSON.parse(login.stdout).identityId as string;
  })();
  return loggedIn;
}

const { sessionPath, readSession: readCache } = fixture;

/** Marks the cached sign-in's tokens and credentials expired, so the next command has to renew both. */
async function expireSession() {
  const cache = await readCache();
  await writeFile(
    sessionPath(),
    JSON.stringify({
      ...cache,
      signIn: { ...cache.signIn, tokensExpireAt: Date.now() },
      credentials: { ...cache.credentials, expiresAt: Date.now() },
    }),
  );
}

/** Requests the CLI makes while `action` runs, as `service operation`. */
const requestsDuring = async (action: () => Promise<unknown>) => (await fixture.sentDuring(action)).requests;

describe("the tutorial's journey", () => {
  // Through the process, as the tutorial runs the bundle: the password piped, the exit statuses real.
  test("as a subprocess: signup, confirm with the emailed code, login, whoami", async () => {
    const signup = await fixture.workspace.runProcess(["signup", READER], { input: `${PASSWORD}\n` });
    expect(signup).toMatchObject({ code: 0, stderr: "" });
    expect(signup.stdout).toContain(`iam-api confirm ${READER} <code>`);

    const code = await fixture.loopback.confirmationCode(READER);
    expect(await fixture.workspace.runProcess(["confirm", READER, code])).toMatchObject({
      code: 0,
      stdout: `Confirmed ${READER}. Log in with: iam-api login ${READER}\n`,
    });

    const login = await fixture.workspace.runProcess(["login", READER, "--json"], { input: `${PASSWORD}\n` });
    expect(login.code).toBe(0);
    loggedIn = undefined; // The cache now holds READER's sign-in: a later set-up logs EMAIL in again.
    const { identityId } = JSON.parse(login.stdout);
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);

    const whoami = await fixture.workspace.runProcess(["whoami"]);
    expect(whoami.code).toBe(0);
    expect(whoami.stderr).toBe("HTTP 200 OK\n");
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      message: `Hello ${identityId}!`,
      identityId,
      identityPoolId: fixture.loopback.outputs.IdentityPool,
      provider: userPoolProviderName(fixture.loopback.outputs.Region, fixture.loopback.outputs.UserPool),
    });
  });

  test("the password went to Cognito only in SignUp: login proved it with SRP", async () => {
    const email = "srp@example.com";
    const start = fixture.loopback.requests.length;
    await fixture.signUpConfirmed(email, `${PASSWORD}\n`);
    expect((await fixture.workspace.run(["login", email], { input: `${PASSWORD}\n` })).code).toBe(0);
    loggedIn = undefined; // The cache now holds this user's sign-in: a later set-up logs EMAIL in again.
    const sent = fixture.loopback.requests.slice(start);
    const carriers = sent.filter((request) => request.body.includes(PASSWORD)).map((request) => request.operation);
    expect(carriers).toEqual(["SignUp"]);
    const login = sent.filter(
      (request) => request.operation === "InitiateAuth" || request.operation === "RespondToAuthChallenge",
    );
    expect(login.map((request) => JSON.parse(request.body).AuthFlow ?? JSON.parse(request.body).ChallengeName)).toEqual(
      ["USER_SRP_AUTH", "PASSWORD_VERIFIER"],
    );
  });

  test("upload, ls, download and rm stay under private/<identityId>/", async () => {
    const identityId = await logIn();
    const source = join(fixture.workspace.root, "notes.txt");
    await writeFile(source, "my private notes\n");
    const upload = await fixture.workspace.run(["upload", source, "docs/notes.txt", "--json"]);
    expect(upload.code).toBe(0);
    expect(JSON.parse(upload.stdout)).toEqual({
      name: "docs/notes.txt",
      key: `private/${identityId}/docs/notes.txt`,
      size: 17,
    });
    expect(await fixture.loopback.storedObjects()).toEqual(
      new Map([[`private/${identityId}/docs/notes.txt`, "my private notes\n"]]),
    );

    const ls = await fixture.workspace.run(["ls"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^\s+17 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}docs\/notes\.txt\n$/);
    expect(JSON.parse((await fixture.workspace.run(["ls", "--json"])).stdout)).toMatchObject({
      prefix: `private/${identityId}/`,
      files: [{ name: "docs/notes.txt", size: 17 }],
    });

    expect(await fixture.workspace.run(["download", "docs/notes.txt", "-"])).toMatchObject({
      code: 0,
      stdout: "my private notes\n",
    });
    expect((await fixture.workspace.run(["download", "docs/notes.txt"])).code).toBe(0);
    expect(await readFile(join(fixture.workspace.project, "notes.txt"), "utf8")).toBe("my private notes\n");

    expect(await fixture.workspace.run(["rm", "docs/notes.txt"])).toMatchObject({
      code: 0,
      stdout: "Deleted docs/notes.txt.\n",
    });
    expect(await fixture.loopback.storedObjects()).toEqual(new Map());
    expect(await fixture.workspace.run(["download", "docs/notes.txt", "-"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "iam-api: There is no file named docs/notes.txt in your files (`iam-api ls` lists them).\n",
    });
  });

  test("call prints the status and body; --json wraps them", async () => {
    const identityId = await logIn();
    const result = await fixture.workspace.run(["call", "get", "/files", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      status: 200,
      contentType: "application/json",
      body: { prefix: `private/${identityId}/`, files: [] },
    });
    const missing = await fixture.workspace.run(["call", "GET", "/nowhere"]);
    expect(missing).toEqual({
      code: 1,
      stdout: "",
      stderr: "iam-api: GET /nowhere failed with HTTP 404 Not Found: Not Found.\n",
    });
  });

  test("config gives a client app its settings", async () => {
    const json = JSON.parse((await fixture.workspace.run(["config"])).stdout);
    expect(json).toEqual({
      region: "us-east-1",
      apiUrl: fixture.loopback.outputs.Api,
      userPoolId: fixture.loopback.outputs.UserPool,
      userPoolClientId: fixture.loopback.outputs.UserPoolClient,
      identityPoolId: fixture.loopback.outputs.IdentityPool,
      bucket: fixture.loopback.outputs.Bucket,
    });
    const { outputs } = fixture.loopback;
    expect((await fixture.workspace.run(["config", "--format", "env"])).stdout).toBe(
      [
        `VITE_REGION=us-east-1`,
        `VITE_API_URL=${outputs.Api}`,
        `VITE_USER_POOL_ID=${outputs.UserPool}`,
        `VITE_USER_POOL_CLIENT_ID=${outputs.UserPoolClient}`,
        `VITE_IDENTITY_POOL_ID=${outputs.IdentityPool}`,
        `VITE_BUCKET=${outputs.Bucket}\n`,
      ].join("\n"),
    );
  });
});

describe("the credential cache", () => {
  test("a call with a warm cache makes exactly one request", async () => {
    await logIn();
    expect(await requestsDuring(() => fixture.workspace.run(["call", "GET", "/private"]))).toEqual([
      "api GET /private",
    ]);
  });

  test("credentials about to expire are renewed with the cached id token", async () => {
    await logIn();
    fixture.loopback.credentialLifetimeMs = 60_000;
    const cache = await readCache();
    await writeFile(
      sessionPath(),
      JSON.stringify({ ...cache, credentials: { ...cache.credentials, expiresAt: Date.now() + 60_000 } }),
    );
    expect(await requestsDuring(() => fixture.workspace.run(["whoami"]))).toEqual([
      "cognitoIdentity GetCredentialsForIdentity",
      "api GET /private",
    ]);
    fixture.loopback.credentialLifetimeMs = 60 * 60_000;
  });

  test("expired tokens are refreshed with the refresh token first", async () => {
    await logIn();
    await expireSession();
    const requests = await requestsDuring(async () => expect((await fixture.workspace.run(["whoami"])).code).toBe(0));
    expect(requests).toEqual([
      "cognitoIdp InitiateAuth",
      "cognitoIdentity GetCredentialsForIdentity",
      "api GET /private",
    ]);
    expect((await readCache()).signIn.tokensExpireAt).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(await requestsDuring(() => fixture.workspace.run(["whoami"]))).toEqual(["api GET /private"]);
  });

  // Through the process: a login by the bundle, with its own TMPDIR, leaves the secrets in the cache file only.
  test("the cache file is the user's alone, and the only place credentials are written", async () => {
    await logIn();
    const login = await fixture.workspace.runProcess(["login", EMAIL], { input: `${PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect((await stat(sessionPath())).mode & 0o777).toBe(0o600);
    expect((await stat(fixture.workspace.cacheDir)).mode & 0o777).toBe(0o700);
    const { credentials, signIn } = await readCache();
    expect(
      await fixture.workspace.filesHolding([
        credentials.secretAccessKey,
        credentials.sessionToken,
        signIn.refreshToken,
        signIn.idToken,
        PASSWORD,
      ]),
    ).toEqual([sessionPath()]);
    expect(await readFile(sessionPath(), "utf8")).not.toContain(PASSWORD);
  });

  test("a revoked refresh token asks the user to log in again", async () => {
    await logIn();
    const cache = await readCache();
    await fixture.loopback.cognitoLocal("RevokeToken", {
      ClientId: fixture.loopback.outputs.UserPoolClient,
      Token: cache.signIn.refreshToken,
    });
    loggedIn = undefined; // The cached login is no longer usable: a later set-up logs in again.
    await expireSession();
    expect(await fixture.workspace.run(["whoami"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: Your sign-in has expired or was revoked: log in again with \`iam-api login ${EMAIL}\`.\n`,
    });
  });

  test("logout revokes the refresh token and deletes the cache file", async () => {
    await logIn();
    const { signIn } = await readCache();
    const requests = await requestsDuring(async () =>
      expect((await fixture.workspace.run(["logout", "--json"])).stdout).toBe('{"loggedOut":true,"revoked":true}\n'),
    );
    expect(requests).toEqual(["cognitoIdp RevokeToken"]);
    loggedIn = undefined;
    await expect(stat(sessionPath())).rejects.toThrow(/ENOENT/);
    await expect(
      fixture.loopback.cognitoLocal("InitiateAuth", {
        ClientId: fixture.loopback.outputs.UserPoolClient,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: signIn.refreshToken },
      }),
    ).rejects.toThrow(/NotAuthorized/);
    expect((await fixture.workspace.run(["whoami"])).stderr).toBe(
      "iam-api: The API answered 403 to GET /private, which needs a signed-in caller: log in with `iam-api login <email>` or `iam-api login --provider <name> --token <token>`, then retry.\n",
    );
    expect((await fixture.workspace.run(["ls"])).stderr).toBe(
      `iam-api: Not logged in to user pool ${fixture.loopback.outputs.UserPool}: run \`iam-api login <email>\` or \`iam-api login --provider <name> --token <token>\` first.\n`,
    );
  });
});

describe("confirm --admin", () => {
  test("confirms with the deployer's AWS credentials, as admin-confirm-sign-up", async () => {
    expect((await fixture.workspace.run(["signup", "admin@example.com"], { input: `${PASSWORD}\n` })).code).toBe(0);
    const confirm = await fixture.workspace.run(["confirm", "admin@example.com", "--admin"], {
      env: { AWS_ACCESS_KEY_ID: "AKIDLOCAL", AWS_SECRET_ACCESS_KEY: "local" },
    });
    expect(confirm).toMatchObject({
      code: 0,
      stdout: "Confirmed admin@example.com. Log in with: iam-api login admin@example.com\n",
    });
    expect(fixture.loopback.requests.at(-1)?.operation).toBe("AdminConfirmSignUp");
    expect((await fixture.workspace.run(["login", "admin@example.com"], { input: `${PASSWORD}\n` })).code).toBe(0);
    loggedIn = undefined; // The cache now holds admin@'s sign-in: a later set-up logs EMAIL in again.
  });

  // Through the process: the SDK's credential chain reads the process's own environment and HOME.
  test("without AWS credentials says where they come from", async () => {
    expect((await fixture.workspace.run(["signup", "nocreds@example.com"], { input: `${PASSWORD}\n` })).code).toBe(0);
    const confirm = await fixture.workspace.runProcess(["confirm", "nocreds@example.com", "--admin"]);
    expect(confirm.code).toBe(1);
    expect(confirm.stderr).toMatch(
      /^iam-api: `confirm --admin` signs with your own AWS credentials \(the deployer's\) and found none: set AWS_PROFILE/,
    );
  });
});
