import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { useWorkspace } from "./fixture";

const fixture = useWorkspace();
// Each test configures the providers it signs in with, as a stage would.
beforeEach(() => fixture.loopback.federated.configured.clear());

const { sessionPath, readSession: readCache } = fixture;
const expireCachedCredentials = async (changes: Record<string, unknown> = {}) => {
  const cache = await readCache();
  await writeFile(
    sessionPath(),
    JSON.stringify({ ...cache, ...changes, credentials: { ...cache.credentials, expiresAt: Date.now() } }),
  );
};

/** What the CLI sent while `action` ran: requests as `service operation`, and the identity pool's `Logins` maps. */
async function sentDuring<T>(
  action: () => Promise<T>,
): Promise<{ result: T; requests: string[]; logins: Array<Record<string, string>> }> {
  const logins = fixture.loopback.loginsReceived().length;
  const sent = await fixture.sentDuring(action);
  return { ...sent, logins: fixture.loopback.loginsReceived().slice(logins) };
}

/** `login --provider twitter` with the token and its secret both passed as arguments. */
const twitterLogin = (token: string, secret: string, options: string[] = [], run = fixture.workspace.run) =>
  run(["login", "--provider", "twitter", "--token", token, "--token-secret", secret, ...options]);

interface ProviderCase {
  provider: string;
  /** The `Logins` key AWS documents for the provider. */
  key: string;
  userId: string;
  /** A token the provider issued to the user: the CLI arguments and stdin that pass it, and the `Logins` value expected. */
  token(): { args: string[]; input?: string; value: string };
}

const PROVIDERS: ProviderCase[] = [
  {
    provider: "twitter",
    key: "api.twitter.com",
    userId: "29528254",
    token() {
      const { token, secret } = fixture.loopback.federated.twitter(this.userId);
      return { args: ["--token", token, "--token-secret", "-"], input: `${secret}\n`, value: `${token};${secret}` };
    },
  },
  {
    provider: "auth0",
    key: "my-tenant.us.auth0.com",
    userId: "auth0|60357a6d98e3e5006a9d74a3",
    token() {
      const idToken = fixture.loopback.federated.idToken(this.key, this.userId, {
        iss: "https://my-tenant.us.auth0.com/",
      });
      return { args: ["--token", "-"], input: `${idToken}\n`, value: idToken };
    },
  },
  {
    provider: "google",
    key: "accounts.google.com",
    userId: "108457282947392043762",
    token() {
      const idToken = fixture.loopback.federated.idToken(this.key, this.userId);
      return { args: ["--token", idToken], value: idToken };
    },
  },
  {
    provider: "facebook",
    key: "graph.facebook.com",
    userId: "10158219371935012",
    token() {
      const accessToken = fixture.loopback.federated.accessToken(this.key, this.userId);
      return { args: ["--token", "-"], input: accessToken, value: accessToken };
    },
  },
  {
    provider: "apple",
    key: "appleid.apple.com",
    userId: "001234.5f1e6a7b8c9d4e0f.1234",
    token() {
      const idToken = fixture.loopback.federated.idToken(this.key, this.userId);
      return { args: ["--token", idToken], value: idToken };
    },
  },
  {
    provider: "amazon",
    key: "www.amazon.com",
    userId: "amzn1.account.AF2OBM3JHXK4WTIEXAMPLE",
    token() {
      const accessToken = fixture.loopback.federated.accessToken(this.key, this.userId);
      return { args: ["--token", accessToken], value: accessToken };
    },
  },
];

describe.each(PROVIDERS)("login --provider $provider", (provider) => {
  test(`sends { "${provider.key}": <token> } and whoami shows the federated amr`, async () => {
    fixture.loopback.federated.configured.add(provider.key);
    const { args, input, value } = provider.token();
    const login = await sentDuring(() =>
      fixture.workspace.run(["login", "--provider", provider.provider, ...args, "--json"], { input }),
    );
    expect(login.result).toMatchObject({ code: 0, stderr: "" });
    expect(login.requests).toEqual(["cognitoIdentity GetId", "cognitoIdentity GetCredentialsForIdentity"]);
    expect(login.logins).toEqual([{ [provider.key]: value }, { [provider.key]: value }]);
    const { identityId, providerName } = JSON.parse(login.result.stdout);
    expect(providerName).toBe(provider.key);

    const whoami = await fixture.workspace.run(["whoami"]);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toEqual({
      message: `Hello ${identityId}!`,
      identityId,
      identityPoolId: fixture.loopback.outputs.IdentityPool,
      provider: provider.key,
      amr: ["authenticated", provider.key, `${provider.key}:${provider.userId}`],
    });
    expect(login.result.stdout + whoami.stdout + whoami.stderr).not.toContain(value);
  });
});

describe("after a federated login", () => {
  const twitter = PROVIDERS[0];

  test("upload, ls and call use the federated identity's own prefix", async () => {
    fixture.loopback.federated.configured.add(twitter.key);
    const { args, input } = twitter.token();
    const { identityId } = JSON.parse(
      (await fixture.workspace.run(["login", "--provider", "twitter", ...args, "--json"], { input })).stdout,
    );
    const source = join(fixture.workspace.root, "tweet.txt");
    await writeFile(source, "hello from twitter\n");
    expect(JSON.parse((await fixture.workspace.run(["upload", source, "--json"])).stdout)).toEqual({
      name: "tweet.txt",
      key: `private/${identityId}/tweet.txt`,
      size: 19,
    });
    expect(JSON.parse((await fixture.workspace.run(["ls", "--json"])).stdout)).toMatchObject({
      prefix: `private/${identityId}/`,
      files: [{ name: "tweet.txt", size: 19 }],
    });
    expect(JSON.parse((await fixture.workspace.run(["call", "GET", "/files", "--json"])).stdout).body.prefix).toBe(
      `private/${identityId}/`,
    );
  });

  // Through the process: the files the bundle leaves behind, with its own TMPDIR.
  test("the token and secret are written only to the 0600 cache file, and logout deletes it", async () => {
    fixture.loopback.federated.configured.add(twitter.key);
    const { token, secret } = fixture.loopback.federated.twitter("29528254");
    const login = await twitterLogin(token, secret, [], fixture.workspace.runProcess);
    expect(login.code).toBe(0);
    expect(login.stdout + login.stderr).not.toMatch(new RegExp(`${token}|${secret}`));
    expect((await stat(sessionPath())).mode & 0o777).toBe(0o600);
    expect(await fixture.workspace.filesHolding([token, secret])).toEqual([sessionPath()]);

    const logout = await sentDuring(() => fixture.workspace.runProcess(["logout", "--json"]));
    expect(logout.result.stdout).toBe('{"loggedOut":true,"revoked":false}\n');
    expect(logout.requests).toEqual([]);
    expect(await fixture.workspace.filesHolding([token, secret])).toEqual([]);
  });
});

describe("renewal without a refresh token", () => {
  const google = PROVIDERS[2];

  test("credentials about to expire are renewed with the cached token while it is valid", async () => {
    fixture.loopback.federated.configured.add(google.key);
    const { args, value } = google.token();
    expect((await fixture.workspace.run(["login", "--provider", "google", ...args])).code).toBe(0);
    await expireCachedCredentials();
    const renewal = await sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(renewal.result.code).toBe(0);
    expect(renewal.requests).toEqual(["cognitoIdentity GetCredentialsForIdentity", "api GET /private"]);
    expect(renewal.logins).toEqual([{ [google.key]: value }]);
  });

  test("an expired cached token asks for a new login, without asking Cognito", async () => {
    fixture.loopback.federated.configured.add(google.key);
    expect((await fixture.workspace.run(["login", "--provider", "google", ...google.token().args])).code).toBe(0);
    const exp = Math.floor(Date.now() / 1000) - 60;
    const expired = fixture.loopback.federated.idToken(google.key, google.userId, { exp });
    const cache = await readCache();
    await expireCachedCredentials({ signIn: { ...cache.signIn, token: expired } });
    const renewal = await sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(renewal.result).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: Your Google token expired at ${new Date(exp * 1000).toISOString()} and Cognito cannot refresh it: log in again with \`iam-api login --provider google\`.\n`,
    });
    expect(renewal.requests).toEqual([]);
  });

  test("a token the identity pool stopped accepting asks for a new login", async () => {
    const facebook = PROVIDERS[3];
    fixture.loopback.federated.configured.add(facebook.key);
    const { args, input } = facebook.token();
    expect((await fixture.workspace.run(["login", "--provider", "facebook", ...args], { input })).code).toBe(0);
    await expireCachedCredentials();
    fixture.loopback.failNext(
      "cognitoIdentity",
      "NotAuthorizedException",
      "Invalid login token. The user has revoked the token.",
    );
    expect((await fixture.workspace.run(["whoami"])).stderr).toBe(
      "iam-api: The identity pool no longer accepts your Facebook sign-in (Invalid login token. The user has revoked the token.): log in again with `iam-api login --provider facebook`.\n",
    );
  });

  test("an already expired id_token is refused before any request", async () => {
    const exp = Math.floor(Date.now() / 1000) - 5;
    const token = fixture.loopback.federated.idToken(google.key, google.userId, { exp });
    const login = await sentDuring(() => fixture.workspace.run(["login", "--provider", "google", "--token", token]));
    expect(login.result).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: This Google id_token expired at ${new Date(exp * 1000).toISOString()}: get a fresh one, then log in again.\n`,
    });
    expect(login.requests).toEqual([]);
  });
});

describe("a provider the stage has not configured", () => {
  test("the identity pool's refusal says to configure it", async () => {
    const login = await sentDuring(() =>
      fixture.workspace.run([
        "login",
        "--provider",
        "google",
        "--token",
        fixture.loopback.federated.idToken("accounts.google.com", "1"),
      ]),
    );
    expect(login.result).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: The identity pool ${fixture.loopback.outputs.IdentityPool} does not accept Google sign-ins as accounts.google.com (Token is not from a supported provider of this identity pool.): configure Google for this stage (README section "Sign in with Google"), deploy, then log in again.\n`,
    });
    expect(login.requests).toEqual(["cognitoIdentity GetId"]);
  });

  test("so does InvalidParameterException naming a provider that is not enabled", async () => {
    const { token, secret } = fixture.loopback.federated.twitter("1");
    fixture.loopback.failNext(
      "cognitoIdentity",
      "InvalidParameterException",
      "Twitter provider not enabled for this identity pool.",
    );
    const login = await twitterLogin(token, secret, ["--json"]);
    expect(login.code).toBe(1);
    expect(JSON.parse(login.stderr).error.code).toBe("ProviderNotConfigured");
  });

  test("a configured provider refusing the token asks for a fresh one", async () => {
    fixture.loopback.federated.configured.add("www.amazon.com");
    const result = await fixture.workspace.run(["login", "--provider", "amazon", "--token", "not-issued-by-amazon"]);
    expect(result.stderr).toBe(
      `iam-api: The identity pool ${fixture.loopback.outputs.IdentityPool} rejected the Amazon access token (Invalid login token.): get a fresh one, then log in again.\n`,
    );
  });
});

describe("Auth0's domain", () => {
  const domain = "login.example.com";

  test("--domain names the issuer when the id_token's iss does not", async () => {
    fixture.loopback.federated.configured.add(domain);
    const token = fixture.loopback.federated.idToken(domain, "auth0|1", { iss: undefined });
    const without = await sentDuring(() => fixture.workspace.run(["login", "--provider", "auth0", "--token", token]));
    expect(without.result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: The Auth0 id_token has no https `iss` claim to take the domain from: pass --domain <your-tenant.auth0.com>.\n",
    });
    expect(without.requests).toEqual([]);

    const login = await sentDuring(() =>
      fixture.workspace.run(["login", "--provider", "auth0", "--token", token, "--domain", `https://${domain}/`]),
    );
    expect(login.result.code).toBe(0);
    expect(login.logins).toEqual([{ [domain]: token }, { [domain]: token }]);
    expect(JSON.parse((await fixture.workspace.run(["whoami"])).stdout).amr).toEqual([
      "authenticated",
      domain,
      `${domain}:auth0|1`,
    ]);
  });

  test("a mixed-case --domain or iss gives the lower-case Logins key, the one infra/ names the stage's OIDC provider by", async () => {
    fixture.loopback.federated.configured.add(domain);
    const fromIss = fixture.loopback.federated.idToken(domain, "auth0|1", { iss: "https://Login.Example.COM/" });
    const byIss = await sentDuring(() => fixture.workspace.run(["login", "--provider", "auth0", "--token", fromIss]));
    expect(byIss.result.code).toBe(0);
    expect(byIss.logins).toEqual([{ [domain]: fromIss }, { [domain]: fromIss }]);

    const token = fixture.loopback.federated.idToken(domain, "auth0|1", { iss: undefined });
    const byDomain = await sentDuring(() =>
      fixture.workspace.run(["login", "--provider", "auth0", "--token", token, "--domain", "Login.EXAMPLE.com"]),
    );
    expect(byDomain.result.code).toBe(0);
    expect(byDomain.logins).toEqual([{ [domain]: token }, { [domain]: token }]);
  });

  test("a --domain that is no domain is refused before any request", async () => {
    const token = fixture.loopback.federated.idToken(domain, "auth0|1");
    const login = await sentDuring(() =>
      fixture.workspace.run([
        "login",
        "--provider",
        "auth0",
        "--token",
        token,
        "--domain",
        "https://login.example.com/path",
      ]),
    );
    expect(login.result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'iam-api: --domain "https://login.example.com/path" is not a domain: pass your Auth0 tenant\'s domain, e.g. my-tenant.us.auth0.com (see `iam-api login --help`)\n',
    });
    expect(login.requests).toEqual([]);
  });

  test("a token that is not a JWT is refused before any request", async () => {
    const login = await sentDuring(() =>
      fixture.workspace.run(["login", "--provider", "auth0", "--token", "opaque-access-token"]),
    );
    expect(login.result.stderr).toBe(
      'iam-api: That is not an id_token from Auth0 (a JWT, three dot-separated parts): pass the id_token, not the access token (README section "Sign in with Auth0").\n',
    );
    expect(login.requests).toEqual([]);
  });
});

describe("usage", () => {
  test.each([
    [
      ["login", "--provider", "twitter", "--token", "123-abc"],
      "Twitter needs the access token secret too: add --token-secret <secret> (twurl keeps it as `secret`, next to `token`, in ~/.twurlrc)",
    ],
    [["login", "--provider", "twitter", "--token", "-"], "Twitter needs the access token secret too"],
    [
      ["login", "--provider", "github", "--token", "x"],
      "option '--provider <name>' argument 'github' is invalid. Allowed choices are twitter, auth0, google, facebook, apple, amazon",
    ],
    [
      ["login", "--provider", "google"],
      "login --provider google needs --token <id_token> (or --token - to type or pipe it)",
    ],
    [
      ["login", "me@example.com", "--provider", "google", "--token", "x"],
      'login --provider takes no email address (got "me@example.com")',
    ],
    [["login", "me@example.com", "--token", "x"], "--token, --token-secret and --domain go with --provider"],
    [
      ["login", "--provider", "google", "--token", "x", "--domain", "example.com"],
      "--domain goes with --provider auth0 only",
    ],
    [
      ["login", "--provider", "twitter", "--token", "-", "--token-secret", "-"],
      "Only one of --token and --token-secret can be read from stdin",
    ],
  ])("%j is a usage error (exit 2), before any request", async (args, message) => {
    const result = await sentDuring(() => fixture.workspace.run(args, { input: "typed-token\n" }));
    expect(result.result.code).toBe(2);
    expect(result.result.stderr).toMatch(
      new RegExp(
        `^iam-api: ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.* \\(see \`iam-api login --help\`\\)\\n$`,
      ),
    );
    expect(result.requests).toEqual([]);
  });

  test("login --help describes --provider and its tokens", async () => {
    const help = await fixture.workspace.run(["login", "--help"]);
    expect(help.stdout).toMatch(/^Usage: iam-api login \[options\] \[email\]$/m);
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      '--provider <name> sign in with this provider\'s token instead (choices: "twitter", "auth0", "google", "facebook", "apple", "amazon")',
    );
    for (const option of ["--token <token>", "--token-secret <secret>", "--domain <domain>"])
      expect(help.stdout).toContain(option);
  });
});
