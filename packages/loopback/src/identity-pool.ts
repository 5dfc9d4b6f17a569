/**
 * The Cognito identity pool double: GetId and GetCredentialsForIdentity. It accepts this user pool's
 * id tokens (RS256-verified against cognito-local's JWKS, then, as `serverSideTokenCheck` asks, checked
 * with the user pool: the user still exists and that sign-in was not revoked) and, once a test
 * configures them, federated providers' tokens that the double issued itself (`federated`).
 * Identities and the credentials it issued live in `dataDir`, so they survive a restart.
 */
import { createHash, createPublicKey, randomBytes, verify as verifySignature } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { awsError, json, type Plumbing, savedState } from "./plumbing";
import type { UserPool } from "./user-pool";
import type { Json } from "@iam-auth-api/infra-harness/evaluation";

/** Who signed a request: a user of the identity pool, or a Lambda function with its own role. */
export type Caller =
  | { kind: "identity"; identityId: string; identityPoolId: string; amr: string[] }
  | { kind: "function"; functionId: string };

/** Temporary credentials a double issued, by access key id: what the SigV4 check looks up. */
export interface IssuedCredentials {
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt: number;
  caller: Caller;
}

export type CredentialStore = Map<string, IssuedCredentials>;

/**
 * Sign-in providers besides the user pool (Twitter, Auth0, Google…), each named by its `Logins` key.
 * The identity pool double stands in for them: it accepts exactly the tokens issued here.
 */
export interface FederatedProviders {
  /** The keys the identity pool accepts (its supportedLoginProviders and OIDC providers): none until a test adds them, like a stage that configures none. */
  configured: Set<string>;
  /** An id_token (a JWT) from `providerName` for `userId`: `iss` https://<providerName>, `sub`, `aud`, `exp` an hour ahead, overridden by `claims` (`undefined` drops one). */
  idToken(providerName: string, userId: string, claims?: Record<string, unknown>): string;
  /** An opaque access token from `providerName` (Facebook, Amazon) for `userId`. */
  accessToken(providerName: string, userId: string): string;
  /** Twitter's OAuth 1.0a access token and secret for `userId`; the token starts with the user id, as Twitter's do. */
  twitter(userId: string): { token: string; secret: string };
}

/** The identity pool as infra/ configures it. */
export interface IdentityPoolConfig {
  region: string;
  id: string;
  /** The user pool provider's `serverSideTokenCheck`. */
  serverSideTokenCheck: boolean;
}

export interface IdentityPool {
  url: string;
  federated: FederatedProviders;
  /** As if their lifetime had passed: every credential this pool issued so far is refused from now on. */
  expireCredentials(): void;
}

interface IdentityPoolState {
  config: IdentityPoolConfig;
  userPool: UserPool;
  jwks: Array<{ kid: string }>;
  /** Login (user pool sub, or `<provider>:<user id>`) → identity id. */
  identities: Record<string, string>;
  credentials: CredentialStore;
  credentialLifetimeMs: () => number;
  /** `<Logins key> <Logins value>` → the user id the provider issued it to. */
  federatedTokens: Map<string, string>;
  federated: FederatedProviders;
  save(): Promise<void>;
}

interface IdentityPoolOptions {
  config: IdentityPoolConfig;
  userPool: UserPool;
  /** Where GetCredentialsForIdentity records what it issues; the API and S3 doubles read it. */
  credentials: CredentialStore;
  credentialLifetimeMs: () => number;
  dataDir: string;
  port?: number;
}

export async function startIdentityPool(plumbing: Plumbing, options: IdentityPoolOptions): Promise<IdentityPool> {
  const state = await restoreState(options);
  const url = await plumbing.listen(
    "cognitoIdentity",
    async (request, body, response) => {
      const operation = String(request.headers["x-amz-target"]).split(".")[1];
      const input = JSON.parse(body.toString("utf8") || "{}");
      const answer = OPERATIONS[operation];
      if (!answer) return awsError(response, "InvalidActionException", `${operation} is not part of this double.`);
      await answer(state, input, response);
    },
    options.port,
  );
  return {
    url,
    federated: state.federated,
    expireCredentials: () => {
      for (const credentials of state.credentials.values())
        if (credentials.caller.kind === "identity")
          credentials.expiresAt = Math.min(credentials.expiresAt, Date.now() - 1);
    },
  };
}

async function restoreState(options: IdentityPoolOptions): Promise<IdentityPoolState> {
  const file = join(options.dataDir, "identity-pool.json");
  const saved = savedState<{ identities: Record<string, string>; credentials: Array<[string, IssuedCredentials]> }>(
    file,
  ) ?? { identities: {}, credentials: [] };
  for (const [accessKeyId, credentials] of saved.credentials) options.credentials.set(accessKeyId, credentials);
  const jwks = (
    (await (
      await fetch(`${options.userPool.cognitoLocalUrl}/${options.userPool.id}/.well-known/jwks.json`)
    ).json()) as {
      keys: Array<{ kid: string }>;
    }
  ).keys;
  const federatedTokens = new Map<string, string>();
  const state: IdentityPoolState = {
    config: options.config,
    userPool: options.userPool,
    jwks,
    identities: saved.identities,
    credentials: options.credentials,
    credentialLifetimeMs: options.credentialLifetimeMs,
    federatedTokens,
    federated: federatedProviders(federatedTokens),
    save: () =>
      writeFile(
        file,
        JSON.stringify({
          identities: state.identities,
          credentials: [...state.credentials].filter(([, credentials]) => credentials.caller.kind === "identity"),
        }),
      ),
  };
  return state;
}

type Operation = (state: IdentityPoolState, input: Record<string, Json>, response: ServerResponse) => Promise<void>;

const OPERATIONS: Record<string, Operation> = { GetId: getId, GetCredentialsForIdentity: getCredentialsForIdentity };

async function getId(state: IdentityPoolState, input: Record<string, Json>, response: ServerResponse) {
  if (input.IdentityPoolId !== state.config.id)
    return awsError(response, "ResourceNotFoundException", `IdentityPool '${input.IdentityPoolId}' not found.`);
  const caller = await authenticate(state, input.Logins);
  if ("refusal" in caller) return awsError(response, "NotAuthorizedException", caller.refusal);
  if (!state.identities[caller.login]) {
    state.identities[caller.login] = identityIdFor(state.config.region, caller.login);
    await state.save();
  }
  json(response, 200, { IdentityId: state.identities[caller.login] });
}

async function getCredentialsForIdentity(
  state: IdentityPoolState,
  input: Record<string, Json>,
  response: ServerResponse,
) {
  const caller = await authenticate(state, input.Logins);
  if ("refusal" in caller) return awsError(response, "NotAuthorizedException", caller.refusal);
  if (state.identities[caller.login] !== input.IdentityId)
    return awsError(response, "NotAuthorizedException", "Invalid login token.");
  const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
  const credentials: IssuedCredentials = {
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: randomBytes(60).toString("base64"),
    expiresAt: Date.now() + state.credentialLifetimeMs(),
    caller: { kind: "identity", identityId: input.IdentityId, identityPoolId: state.config.id, amr: caller.amr },
  };
  state.credentials.set(accessKeyId, credentials);
  await state.save();
  json(response, 200, {
    IdentityId: input.IdentityId,
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: credentials.expiresAt / 1000,
    },
  });
}

/** Who the `Logins` map proves the caller is, or the identity pool's refusal. */
async function authenticate(
  state: IdentityPoolState,
  logins: Record<string, string> | undefined,
): Promise<{ login: string; amr: string[] } | { refusal: string }> {
  const entries = Object.entries(logins ?? {});
  if (entries.length !== 1) return { refusal: "Invalid login token." };
  const [[key, value]] = entries;
  const providerName = state.userPool.providerName;
  if (key === providerName) {
    const claims = verifiedIdToken(state, value);
    if (!claims) return { refusal: "Invalid login token." };
    if (state.config.serverSideTokenCheck && !(await state.userPool.stillSignedIn(claims.email, claims.origin_jti)))
      return { refusal: "Invalid login token." };
    return { login: claims.sub, amr: ["authenticated", providerName, `${providerName}:CognitoSignIn:${claims.sub}`] };
  }
  if (!state.federated.configured.has(key))
    return { refusal: "Token is not from a supported provider of this identity pool." };
  const userId = state.federatedTokens.get(`${key} ${value}`);
  if (!userId) return { refusal: "Invalid login token." };
  const exp =
    value.split(".").length === 3
      ? JSON.parse(Buffer.from(value.split(".")[1], "base64url").toString()).exp
      : undefined;
  if (exp !== undefined && exp * 1000 <= Date.now()) return { refusal: "Invalid login token. Token expired." };
  return { login: `${key}:${userId}`, amr: ["authenticated", key, `${key}:${userId}`] };
}

/** The claims of a valid id token of this user pool's client, or undefined. */
function verifiedIdToken(
  state: IdentityPoolState,
  idToken: string,
): { sub: string; email: string; origin_jti?: string } | undefined {
  const [header, payload, signature] = idToken.split(".");
  const { kid, alg } = JSON.parse(Buffer.from(header, "base64url").toString());
  const jwk = state.jwks.find((key) => key.kid === kid);
  if (alg !== "RS256" || !jwk) return undefined;
  const key = createPublicKey({ key: jwk, format: "jwk" });
  if (!verifySignature("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")))
    return undefined;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const valid =
    claims.token_use === "id" &&
    claims.aud === state.userPool.clientId &&
    String(claims.iss).endsWith(`/${state.userPool.id}`) &&
    claims.exp * 1000 > Date.now();
  return valid ? claims : undefined;
}

/** `<region>:<uuid>`, stable per login like Cognito's. */
function identityIdFor(region: string, login: string): string {
  const hex = createHash("sha256").update(login).digest("hex");
  return `${region}:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function federatedProviders(federatedTokens: Map<string, string>): FederatedProviders {
  const accept = (providerName: string, value: string, userId: string) =>
    federatedTokens.set(`${providerName} ${value}`, userId);
  return {
    configured: new Set(),
    idToken(providerName, userId, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: `https://${providerName}`,
        sub: userId,
        aud: "loopback-client",
        iat: now,
        exp: now + 3600,
        ...claims,
      };
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const token = `${part({ alg: "RS256", typ: "JWT" })}.${part(payload)}.${randomBytes(32).toString("base64url")}`;
      accept(providerName, token, userId);
      return token;
    },
    accessToken(providerName, userId) {
      // Hex, so that no token starts with "-", which no provider's does.
      const token = randomBytes(48).toString("hex");
      accept(providerName, token, userId);
      return token;
    },
    twitter(userId) {
      const access = { token: `${userId}-${randomBytes(20).toString("hex")}`, secret: randomBytes(30).toString("hex") };
      accept("api.twitter.com", `${access.token};${access.secret}`, userId);
      return access;
    },
  };
}
