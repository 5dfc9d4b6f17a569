/**
 * The app's AWS side on 127.0.0.1, for the clients' tests and the benchmarks (never for the app itself):
 * - cognito-local (a child process in a temp directory) is the user pool: users, tokens, refresh,
 *   revocation. A front double adds what it lacks: the SRP exchange (verifier recorded at sign-up),
 *   the pool's password policy, the client's allowed flows, faults, and the codes it "emails" (sign-up,
 *   resend, forgot password), which it checks itself and then applies through cognito-local's admin calls.
 * - A Cognito identity pool double: GetId and GetCredentialsForIdentity, accepting this user pool's
 *   id tokens (RS256-verified against cognito-local's JWKS) and, once a test configures them,
 *   federated providers' tokens that the double issued itself (`federated`).
 * - An API Gateway double: SigV4 (service execute-api) checked with @smithy/signature-v4, an
 *   implementation other than the CLI's, in front of the app's real route handlers.
 * - s3rver behind a double of S3's auth: SigV4 checked, and the identity pool role's policy
 *   (`private/<identityId>/*` only) enforced.
 * Every request is recorded per service, so callers can count them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  createHash,
  createPublicKey,
  randomBytes,
  randomInt,
  randomUUID,
  timingSafeEqual,
  verify as verifySignature,
} from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Sha256 } from "@aws-crypto/sha256-js";
import { S3Client } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import S3rver from "s3rver";
import { PASSWORD_POLICY } from "@iam-auth-api/client/password-policy";
import { userPoolProviderName } from "@iam-auth-api/client/settings";
import { TEST_ENDPOINT_ENV } from "@iam-auth-api/cli/test-settings";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import { IDENTITY_POOL_LINK } from "@iam-auth-api/core/identity-pool";
import { handler as privateHandler } from "@iam-auth-api/functions/private";
import { handler as publicHandler } from "@iam-auth-api/functions/public";
import { type CorsRefusal, type LoopbackCors, preflightOf, serviceCors } from "./cors";
import { iamEvent } from "./events";
import { createChallenge, createVerifier, type ServerChallenge, type Verifier } from "./srp-server";
import { withClaims } from "./tokens";

export const REGION = "us-east-1";
export type Service = "cognitoIdp" | "cognitoIdentity" | "api" | "s3";

interface RecordedRequest {
  service: Service;
  /** The operation (`InitiateAuth`, `GetId`…) for Cognito, `METHOD /path` for the API and S3. */
  operation: string;
  /** The raw request body, so tests can check what the CLI sends (never the password). */
  body: string;
}

interface LoopbackOutputs {
  Api: string;
  Region: string;
  UserPool: string;
  UserPoolClient: string;
  IdentityPool: string;
  Bucket: string;
}

/**
 * Sign-in providers besides the user pool (Twitter, Auth0, Google…), each named by its `Logins` key.
 * The identity pool double stands in for them: it accepts exactly the tokens issued here.
 */
interface FederatedProviders {
  /** The keys the identity pool accepts (its supportedLoginProviders and OIDC providers): none until a test adds them, like a stage that configures none. */
  configured: Set<string>;
  /** An id_token (a JWT) from `providerName` for `userId`: `iss` https://<providerName>, `sub`, `aud`, `exp` an hour ahead, overridden by `claims` (`undefined` drops one). */
  idToken(providerName: string, userId: string, claims?: Record<string, unknown>): string;
  /** An opaque access token from `providerName` (Facebook, Amazon) for `userId`. */
  accessToken(providerName: string, userId: string): string;
  /** Twitter's OAuth 1.0a access token and secret for `userId`; the token starts with the user id, as Twitter's do. */
  twitter(userId: string): { token: string; secret: string };
}

export interface Loopback {
  outputs: LoopbackOutputs;
  federated: FederatedProviders;
  /** The `Logins` maps GetId and GetCredentialsForIdentity received, oldest first. */
  loginsReceived(): Array<Record<string, string>>;
  /** Each double's URL, by the AWS service a client reaches it for. */
  endpoints: Record<keyof typeof TEST_ENDPOINT_ENV, string>;
  /** The CLI's test endpoint variables pointing at these doubles. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  count(service?: Service): number;
  /** Lifetime of the id and access tokens the user pool issues from now on (cognito-local's, an hour, when unset). */
  tokenLifetimeMs?: number;
  /** Lifetime of the temporary credentials GetCredentialsForIdentity issues from now on. */
  credentialLifetimeMs: number;
  /** As if their lifetime had passed: every credential issued so far is refused from now on. */
  expireCredentials(): void;
  /** The next `times` requests to `service` fail with this AWS error (e.g. TooManyRequestsException). */
  failNext(service: Service, errorName: string, message: string, times?: number): void;
  /** The next `times` requests to `service` lose their connection before any response. */
  dropNext(service: Service, times?: number): void;
  /** The next `times` requests to `service` get this HTTP answer (a 429 with Retry-After, a 500 with a JSON message…) instead of the double's. */
  answerNext(
    service: Service,
    answer: { status: number; body?: string; headers?: Record<string, string> },
    times?: number,
  ): void;
  /** The latest code the user pool "emailed" to this address (sign-up, resend, forgot password). */
  confirmationCode(email: string): Promise<string>;
  /** What S3 holds, key → content, bypassing every check. */
  storedObjects(): Promise<Map<string, string>>;
  /** Preflights the API and S3 doubles refused, with the reason a browser would give. */
  corsRefusals: CorsRefusal[];
  /** From now on the API answers this identity 403, as when its role no longer grants execute-api:Invoke. */
  denyApi(identityId: string): void;
  /** As AdminUserGlobalSignOut: every refresh token issued to this user stops working. */
  revokeSessions(email: string): Promise<void>;
  /** Calls cognito-local directly (admin operations, revocation), bypassing the front double. */
  cognitoLocal(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const COGNITO_LOCAL_BIN = fileURLToPath(
  new URL("../../../node_modules/cognito-local/lib/bin/start.js", import.meta.url),
);
/** Cognito's check for each class of characters a pool's policy can require, in its words (the symbols are Cognito's set). */
const CLASS_CHECKS: Record<Exclude<keyof typeof PASSWORD_POLICY, "minimumLength">, [RegExp, string]> = {
  requireLowercase: [/[a-z]/, "Password must have lowercase characters"],
  requireUppercase: [/[A-Z]/, "Password must have uppercase characters"],
  requireNumbers: [/\d/, "Password must have numeric characters"],
  requireSymbols: [/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/, "Password must have symbol characters"],
};
/** The pool's policy (the one infra/auth.ts configures), checked as Cognito checks it. */
const PASSWORD_CHECKS: Array<[RegExp, string]> = [
  [new RegExp(`.{${PASSWORD_POLICY.minimumLength},}`), "Password not long enough"],
  ...Object.entries(CLASS_CHECKS)
    .filter(([setting]) => PASSWORD_POLICY[setting as keyof typeof CLASS_CHECKS])
    .map(([, check]) => check),
];

interface LoopbackOptions {
  /** The app's CORS configuration, for browsers: without it the API and bucket answer no preflight. */
  cors?: LoopbackCors;
}

const passwordPolicyViolation = (password: string | undefined) =>
  PASSWORD_CHECKS.find(([rule]) => !rule.test(password ?? ""))?.[1];

export async function startLoopback(options: LoopbackOptions = {}): Promise<Loopback> {
  const workDir = await mkdtemp(join(tmpdir(), "iam-api-loopback-"));
  const requests: RecordedRequest[] = [];
  const faults: Array<{
    service: Service;
    errorName?: string;
    message?: string;
    answer?: { status: number; body?: string; headers?: Record<string, string> };
  }> = [];
  const servers: Server[] = [];
  const corsRefusals: CorsRefusal[] = [];

  const cognitoLocal = await startCognitoLocal(workDir);
  const callCognitoLocal = (operation: string, body: Record<string, unknown>) =>
    awsJson(cognitoLocal.url, `AWSCognitoIdentityProviderService.${operation}`, body);
  const { UserPool } = (await callCognitoLocal("CreateUserPool", {
    PoolName: "loopback",
    UsernameAttributes: ["email"],
    AutoVerifiedAttributes: ["email"],
  })) as { UserPool: { Id: string } };
  const { UserPoolClient } = (await callCognitoLocal("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "cli",
  })) as { UserPoolClient: { ClientId: string } };
  const userPool = UserPool.Id;
  const clientId = UserPoolClient.ClientId;
  const identityPool = `${REGION}:${randomUUID()}`;
  const bucket = "loopback-uploads";

  // The port of this process's first s3rver, which the files handler's S3 client keeps: loopbacks that follow one another (the bench) reuse it.
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: s3rverPort ?? 0,
    silent: true,
    directory: join(workDir, "s3"),
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const s3rverAddress = (await s3rver.run().catch((error: Error) => {
    throw new Error(
      `s3rver could not listen on port ${s3rverPort ?? "0"} (${error.message}): run one loopback at a time per process.`,
    );
  })) as AddressInfo;
  s3rverPort = s3rverAddress.port;
  const s3rverUrl = `http://127.0.0.1:${s3rverAddress.port}`;
  const adminS3 = new S3Client({
    region: REGION,
    endpoint: s3rverUrl,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });

  /** The one check every double starts with: a queued fault, or nothing. */
  function injectedFault(service: Service, response: ServerResponse): boolean {
    const index = faults.findIndex((fault) => fault.service === service);
    if (index < 0) return false;
    const [fault] = faults.splice(index, 1);
    if (fault.answer) {
      response.writeHead(fault.answer.status, { "content-type": "application/json", ...fault.answer.headers });
      response.end(fault.answer.body ?? "");
    } else if (!fault.errorName) response.socket?.destroy();
    else awsError(response, fault.errorName, fault.message ?? "");
    return true;
  }

  async function listen(
    service: Service,
    handle: (request: IncomingMessage, body: Buffer, response: ServerResponse) => Promise<unknown>,
  ): Promise<string> {
    const cors = serviceCors(service, options.cors);
    const server = createServer(async (request, response) => {
      const body = await readBody(request);
      const target = String(request.headers["x-amz-target"] ?? "").split(".")[1];
      requests.push({ service, operation: target || `${request.method} ${request.url}`, body: body.toString("utf8") });
      const preflight = preflightOf(request);
      if (preflight) {
        const answer = cors.preflight(preflight);
        if (answer.refusal)
          corsRefusals.push({ service: service as CorsRefusal["service"], ...preflight, reason: answer.refusal });
        response.writeHead(answer.status, answer.headers);
        return response.end();
      }
      for (const [name, value] of Object.entries(cors.responseHeaders(request))) response.setHeader(name, value!);
      if (injectedFault(service, response)) return;
      try {
        await handle(request, body, response);
      } catch (error) {
        awsError(response, "InternalErrorException", (error as Error).message, 500);
      }
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  // ---- user pool: cognito-local plus SRP and the codes it emails ----
  /** Email → the latest code "emailed" to it; a new one replaces the old, as Cognito's resend does. */
  const codes = new Map<string, string>();
  const emailCode = (email: string) => {
    let code: string;
    do code = String(randomInt(1_000_000)).padStart(6, "0");
    while (code === codes.get(email));
    codes.set(email, code);
  };
  const userStatus = async (email: string) =>
    (
      (await callCognitoLocal("AdminGetUser", { UserPoolId: userPool, Username: email }).catch(() => undefined)) as
        | { UserStatus: string }
        | undefined
    )?.UserStatus;
  const verifiers = new Map<string, Verifier & { password: string }>();
  const challenges = new Map<string, { email: string; challenge: ServerChallenge }>();
  /** Refresh token → who signed in and the sign-in's id, which Cognito puts in every token as origin_jti. */
  const sessions = new Map<string, { email: string; originJti: string }>();
  type Tokens = { IdToken: string; AccessToken: string; RefreshToken?: string };
  /**
   * Tokens as Cognito issues them: its issuer (Amplify derives the identity pool's Logins key from
   * `iss`), and the sign-in they come from (origin_jti), which lets a client revoke them (Amplify checks for it).
   */
  const revocable = (tokens: Tokens, refreshToken: string): Tokens => {
    const session = sessions.get(refreshToken);
    if (!session) return tokens;
    const lifetime = loopback.tokenLifetimeMs;
    const claims = {
      iss: `https://${providerName}`,
      origin_jti: session.originJti,
      ...(lifetime !== undefined && { exp: Math.floor((Date.now() + lifetime) / 1000) }),
    };
    return {
      ...tokens,
      IdToken: withClaims(tokens.IdToken, claims),
      AccessToken: withClaims(tokens.AccessToken, claims),
    };
  };

  const cognitoIdpUrl = await listen("cognitoIdp", async (request, body, response) => {
    const operation = String(request.headers["x-amz-target"]).split(".")[1];
    const input = JSON.parse(body.toString("utf8") || "{}");
    if (input.ClientId !== undefined && input.ClientId !== clientId) {
      return awsError(response, "ResourceNotFoundException", `User pool client ${input.ClientId} does not exist.`);
    }
    if (operation === "SignUp" || operation === "ConfirmForgotPassword") {
      const failed = passwordPolicyViolation(input.Password);
      if (failed)
        return awsError(response, "InvalidPasswordException", `Password did not conform with policy: ${failed}`);
    }
    if (operation === "SignUp") {
      const answer = await relay(cognitoLocal.url, request, body);
      if (answer.status === 200) {
        const { UserSub } = JSON.parse(answer.body.toString("utf8"));
        verifiers.set(input.Username, {
          ...createVerifier(userPool, UserSub, input.Password),
          password: input.Password,
        });
        emailCode(input.Username);
      }
      response.writeHead(answer.status, answer.headers);
      return response.end(answer.body);
    }
    if (operation === "ResendConfirmationCode" || operation === "ForgotPassword") {
      const status = await userStatus(input.Username);
      if (!status) return awsError(response, "UserNotFoundException", "Username/client id combination not found.");
      if (operation === "ResendConfirmationCode" && status !== "UNCONFIRMED")
        return awsError(response, "InvalidParameterException", "User is already confirmed.");
      emailCode(input.Username);
      return json(response, 200, {
        CodeDeliveryDetails: {
          AttributeName: "email",
          DeliveryMedium: "EMAIL",
          Destination: maskEmail(input.Username),
        },
      });
    }
    if (operation === "ConfirmSignUp" || operation === "ConfirmForgotPassword") {
      if (!(await userStatus(input.Username)))
        return awsError(response, "UserNotFoundException", "Username/client id combination not found.");
      if (!codes.has(input.Username) || codes.get(input.Username) !== input.ConfirmationCode) {
        return awsError(response, "CodeMismatchException", "Invalid verification code provided, please try again.");
      }
      codes.delete(input.Username);
      if (operation === "ConfirmSignUp") {
        await callCognitoLocal("AdminConfirmSignUp", { UserPoolId: userPool, Username: input.Username });
      } else {
        await callCognitoLocal("AdminSetUserPassword", {
          UserPoolId: userPool,
          Username: input.Username,
          Password: input.Password,
          Permanent: true,
        });
        // The new password replaces the SRP verifier too, or sign-in would still want the old one.
        const user = verifiers.get(input.Username);
        if (user)
          verifiers.set(input.Username, {
            ...createVerifier(userPool, user.userIdForSrp, input.Password),
            password: input.Password,
          });
      }
      return json(response, 200, {});
    }
    if (operation === "InitiateAuth" && input.AuthFlow === "USER_SRP_AUTH") {
      const user = verifiers.get(input.AuthParameters?.USERNAME);
      if (!user) return awsError(response, "NotAuthorizedException", "Incorrect username or password.");
      const status = (await callCognitoLocal("AdminGetUser", {
        UserPoolId: userPool,
        Username: input.AuthParameters.USERNAME,
      })) as { UserStatus: string };
      if (status.UserStatus === "UNCONFIRMED")
        return awsError(response, "UserNotConfirmedException", "User is not confirmed.");
      const challenge = createChallenge(userPool, user, input.AuthParameters.SRP_A);
      const session = randomBytes(32).toString("base64");
      challenges.set(session, { email: input.AuthParameters.USERNAME, challenge });
      return json(response, 200, {
        ChallengeName: "PASSWORD_VERIFIER",
        ChallengeParameters: { ...challenge.parameters, USERNAME: user.userIdForSrp },
        Session: session,
      });
    }
    if (operation === "RespondToAuthChallenge" && input.ChallengeName === "PASSWORD_VERIFIER") {
      const pending = challenges.get(input.Session);
      challenges.delete(input.Session);
      const user = pending && verifiers.get(pending.email);
      if (
        !pending ||
        !user ||
        input.ChallengeResponses?.USERNAME !== user.userIdForSrp ||
        !pending.challenge.verify(input.ChallengeResponses)
      ) {
        return awsError(response, "NotAuthorizedException", "Incorrect username or password.");
      }
      // The proof checked out: cognito-local, which has no SRP, issues the tokens.
      const tokens = await callCognitoLocal("InitiateAuth", {
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: pending.email, PASSWORD: user.password },
      });
      const result = tokens.AuthenticationResult as Tokens;
      sessions.set(result.RefreshToken!, { email: pending.email, originJti: randomUUID() });
      return json(
        response,
        200,
        withExpiresIn({ ChallengeParameters: {}, AuthenticationResult: revocable(result, result.RefreshToken!) }),
      );
    }
    // Amplify v6 refreshes with GetTokensFromRefreshToken, which cognito-local lacks; without refresh
    // token rotation (this app's client has none) it answers as REFRESH_TOKEN_AUTH does: no new refresh token.
    const refreshToken =
      operation === "GetTokensFromRefreshToken"
        ? input.RefreshToken
        : input.AuthFlow === "REFRESH_TOKEN_AUTH"
          ? input.AuthParameters?.REFRESH_TOKEN
          : undefined;
    if (refreshToken !== undefined) {
      const refreshed = await callCognitoLocal("InitiateAuth", {
        ClientId: clientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }).catch(() => undefined);
      if (!refreshed) return awsError(response, "NotAuthorizedException", "Refresh Token has been revoked");
      const { RefreshToken: _, ...tokens } = refreshed.AuthenticationResult as Tokens;
      return json(
        response,
        200,
        withExpiresIn({
          ...(operation === "InitiateAuth" && { ChallengeParameters: {} }),
          AuthenticationResult: revocable(tokens, refreshToken),
        }),
      );
    }
    if (operation === "InitiateAuth") {
      return awsError(response, "InvalidParameterException", `${input.AuthFlow} flow not enabled for this client`);
    }
    await forward(cognitoLocal.url, request, body, response);
  });

  // ---- identity pool ----
  const jwks = (
    (await (await fetch(`${cognitoLocal.url}/${userPool}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    }
  ).keys;
  const providerName = userPoolProviderName(REGION, userPool);
  /** Login (user pool sub, or `<provider>:<user id>`) → identity id. */
  const identities = new Map<string, string>();
  const issued = new Map<
    string,
    { secretAccessKey: string; sessionToken: string; identityId: string; amr: string[]; expiresAt: number }
  >();
  /** `<Logins key> <Logins value>` → the user id the provider issued it to. */
  const federatedTokens = new Map<string, string>();
  const acceptFederated = (providerName: string, value: string, userId: string) =>
    federatedTokens.set(`${providerName} ${value}`, userId);
  const federated: FederatedProviders = {
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
      acceptFederated(providerName, token, userId);
      return token;
    },
    accessToken(providerName, userId) {
      // Hex, so that no token starts with "-", which no provider's does.
      const token = randomBytes(48).toString("hex");
      acceptFederated(providerName, token, userId);
      return token;
    },
    twitter(userId) {
      const access = { token: `${userId}-${randomBytes(20).toString("hex")}`, secret: randomBytes(30).toString("hex") };
      acceptFederated("api.twitter.com", `${access.token};${access.secret}`, userId);
      return access;
    },
  };

  const loopback = {} as Loopback;
  loopback.credentialLifetimeMs = 60 * 60 * 1000;

  /** Who the `Logins` map proves the caller is, or the identity pool's refusal. */
  function authenticate(
    logins: Record<string, string> | undefined,
  ): { login: string; amr: string[] } | { refusal: string } {
    const entries = Object.entries(logins ?? {});
    if (entries.length !== 1) return { refusal: "Invalid login token." };
    const [[key, value]] = entries;
    if (key === providerName) {
      const sub = verifiedSub(value);
      return sub
        ? { login: sub, amr: ["authenticated", providerName, `${providerName}:CognitoSignIn:${sub}`] }
        : { refusal: "Invalid login token." };
    }
    if (!federated.configured.has(key))
      return { refusal: "Token is not from a supported provider of this identity pool." };
    const userId = federatedTokens.get(`${key} ${value}`);
    if (!userId) return { refusal: "Invalid login token." };
    const exp =
      value.split(".").length === 3
        ? JSON.parse(Buffer.from(value.split(".")[1], "base64url").toString()).exp
        : undefined;
    if (exp !== undefined && exp * 1000 <= Date.now()) return { refusal: "Invalid login token. Token expired." };
    return { login: `${key}:${userId}`, amr: ["authenticated", key, `${key}:${userId}`] };
  }

  function verifiedSub(idToken: string): string | undefined {
    const [header, payload, signature] = idToken.split(".");
    const { kid, alg } = JSON.parse(Buffer.from(header, "base64url").toString());
    const jwk = jwks.find((key) => key.kid === kid);
    if (alg !== "RS256" || !jwk) return undefined;
    const key = createPublicKey({ key: jwk, format: "jwk" });
    if (!verifySignature("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")))
      return undefined;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const valid =
      claims.token_use === "id" &&
      claims.aud === clientId &&
      String(claims.iss).endsWith(`/${userPool}`) &&
      claims.exp * 1000 > Date.now();
    return valid ? claims.sub : undefined;
  }

  const cognitoIdentityUrl = await listen("cognitoIdentity", async (request, body, response) => {
    const operation = String(request.headers["x-amz-target"]).split(".")[1];
    const input = JSON.parse(body.toString("utf8") || "{}");
    const caller = authenticate(input.Logins);
    if (operation === "GetId") {
      if (input.IdentityPoolId !== identityPool)
        return awsError(response, "ResourceNotFoundException", `IdentityPool '${input.IdentityPoolId}' not found.`);
      if ("refusal" in caller) return awsError(response, "NotAuthorizedException", caller.refusal);
      if (!identities.has(caller.login)) identities.set(caller.login, identityIdFor(caller.login));
      return json(response, 200, { IdentityId: identities.get(caller.login) });
    }
    if (operation === "GetCredentialsForIdentity") {
      if ("refusal" in caller) return awsError(response, "NotAuthorizedException", caller.refusal);
      if (identities.get(caller.login) !== input.IdentityId)
        return awsError(response, "NotAuthorizedException", "Invalid login token.");
      const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
      const credentials = {
        secretAccessKey: randomBytes(30).toString("base64"),
        sessionToken: randomBytes(60).toString("base64"),
        identityId: input.IdentityId,
        amr: caller.amr,
        expiresAt: Date.now() + loopback.credentialLifetimeMs,
      };
      issued.set(accessKeyId, credentials);
      return json(response, 200, {
        IdentityId: input.IdentityId,
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: credentials.expiresAt / 1000,
        },
      });
    }
    awsError(response, "InvalidActionException", `${operation} is not part of this double.`);
  });

  /** The identity behind a SigV4-signed request, or why API Gateway/S3 would reject it. */
  async function signer(request: IncomingMessage, body: Buffer, service: "execute-api" | "s3") {
    const authorization = String(request.headers.authorization ?? "");
    const parsed =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    if (!parsed) return { error: "Missing Authentication Token" };
    const [, accessKeyId, , region, signedService, signedHeaders, signature] = parsed;
    const credentials = issued.get(accessKeyId);
    if (
      !credentials ||
      credentials.expiresAt < Date.now() ||
      request.headers["x-amz-security-token"] !== credentials.sessionToken
    ) {
      return { error: "The security token included in the request is invalid." };
    }
    if (region !== REGION || signedService !== service)
      return { error: `Credential should be scoped to a valid region and service ${service}.` };
    const url = new URL(request.url ?? "/", "http://loopback");
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(";")) headers[name] = String(request.headers[name] ?? "");
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) query[key] = key in query ? [query[key]].flat().concat(value) : value;
    const amzDate = headers["x-amz-date"];
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const expected = await new SignatureV4({
      service,
      region: REGION,
      sha256: Sha256,
      credentials: {
        accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
      uriEscapePath: service !== "s3",
      applyChecksum: false,
    }).sign(
      {
        method: request.method ?? "GET",
        protocol: "http:",
        hostname: headers.host.split(":")[0],
        port: Number(headers.host.split(":")[1]),
        path: url.pathname,
        query,
        headers,
        body: body.length ? body : undefined,
      },
      { signingDate },
    );
    const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? "";
    if (!timingSafeEqual(Buffer.from(expectedSignature.padEnd(64)), Buffer.from(signature))) {
      return { error: "The request signature we calculated does not match the signature you provided." };
    }
    return { credentials };
  }

  // ---- API Gateway (HTTP API, IAM authorizer) in front of the real handlers ----
  const filesHandler = await realFilesHandler(s3rverUrl, bucket);
  // What SST's link gives the route Lambdas: this app's identity pool id, which they check callers against.
  process.env[`SST_RESOURCE_${IDENTITY_POOL_LINK}`] = JSON.stringify({ id: identityPool });
  const deniedIdentities = new Set<string>();
  const apiUrl = await listen("api", async (request, body, response) => {
    const url = new URL(request.url ?? "/", "http://loopback");
    const routeKey = `${request.method} ${url.pathname}`;
    if (routeKey === "GET /public") return reply(response, await publicHandler());
    if (routeKey !== "GET /private" && routeKey !== "GET /files")
      return json(response, 404, { message: "Not Found" }, "application/json");
    const signed = await signer(request, body, "execute-api");
    if (!signed.credentials) return json(response, 403, { message: signed.error }, "application/json");
    const { identityId, amr } = signed.credentials;
    if (deniedIdentities.has(identityId)) {
      return json(
        response,
        403,
        {
          message: `User: arn:aws:sts::123456789012:assumed-role/authenticated/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: ${routeKey}`,
        },
        "application/json",
      );
    }
    const event = iamEvent(
      routeKey,
      { identityId, identityPoolId: identityPool, amr },
      {
        rawQueryString: url.search.slice(1),
        // API Gateway leaves queryStringParameters out when the URL has no query.
        ...(url.search && { queryStringParameters: Object.fromEntries(url.searchParams) }),
      },
    );
    reply(response, await (routeKey === "GET /files" ? filesHandler(event) : privateHandler(event)));
  });

  // ---- S3: the role's policy, then s3rver ----
  const abortedUploads = new Set<string>();
  const s3Url = await listen("s3", async (request, body, response) => {
    const signed = await signer(request, body, "s3");
    if (!signed.credentials) return s3Error(response, "AccessDenied", signed.error);
    const url = new URL(request.url ?? "/", "http://loopback");
    const [, bucketName, ...keyParts] = url.pathname.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    const own = ownFilesPrefix(signed.credentials.identityId);
    const allowed =
      bucketName === bucket &&
      (key
        ? key.startsWith(own) && ["GET", "PUT", "POST", "DELETE", "HEAD"].includes(request.method ?? "")
        : request.method === "GET" && (url.searchParams.get("prefix") ?? "").startsWith(own));
    if (!allowed) return s3Error(response, "AccessDenied", "Access Denied");
    const uploadId = url.searchParams.get("uploadId");
    if (uploadId && abortedUploads.has(uploadId))
      return s3Error(response, "NoSuchUpload", "The specified upload does not exist.", 404);
    if (uploadId && request.method === "DELETE") {
      // AbortMultipartUpload, which s3rver lacks: the upload's parts can no longer be added or completed.
      abortedUploads.add(uploadId);
      response.writeHead(204);
      return response.end();
    }
    const { authorization: _, "x-amz-security-token": __, origin: ___, ...headers } = request.headers;
    const answer = await relay(s3rverUrl, { ...request, headers } as IncomingMessage, body);
    // S3 answers 403, not 404, for a key that does not exist when the caller's s3:ListBucket has an
    // s3:prefix condition, as this app's policy does: the condition key is absent from a GetObject.
    if (answer.status === 404 && key && !uploadId && (request.method === "GET" || request.method === "HEAD"))
      return s3Error(response, "AccessDenied", "Access Denied");
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  });

  const endpoints = { cognitoIdp: cognitoIdpUrl, cognitoIdentity: cognitoIdentityUrl, s3: s3Url };
  Object.assign(loopback, {
    outputs: {
      Api: apiUrl,
      Region: REGION,
      UserPool: userPool,
      UserPoolClient: clientId,
      IdentityPool: identityPool,
      Bucket: bucket,
    },
    endpoints,
    env: Object.fromEntries(
      Object.entries(TEST_ENDPOINT_ENV).map(([service, name]) => [name, endpoints[service as keyof typeof endpoints]]),
    ),
    federated,
    loginsReceived: () =>
      requests
        .filter((entry) => entry.service === "cognitoIdentity")
        .map((entry) => JSON.parse(entry.body || "{}").Logins),
    requests,
    count: (service?: Service) => requests.filter((entry) => !service || entry.service === service).length,
    failNext: (service: Service, errorName: string, message: string, times = 1) => {
      for (let i = 0; i < times; i++) faults.push({ service, errorName, message });
    },
    dropNext: (service: Service, times = 1) => {
      for (let i = 0; i < times; i++) faults.push({ service });
    },
    answerNext: (
      service: Service,
      answer: { status: number; body?: string; headers?: Record<string, string> },
      times = 1,
    ) => {
      for (let i = 0; i < times; i++) faults.push({ service, answer });
    },
    confirmationCode: async (email: string) => {
      const code = codes.get(email);
      if (code === undefined)
        throw new Error(
          `The user pool double emailed no code to ${email} (or it was used): sign up, resend or ask for a password reset first.`,
        );
      return code;
    },
    corsRefusals,
    denyApi: (identityId: string) => deniedIdentities.add(identityId),
    expireCredentials: () => {
      for (const credentials of issued.values())
        credentials.expiresAt = Math.min(credentials.expiresAt, Date.now() - 1);
    },
    revokeSessions: async (email: string) => {
      for (const [refreshToken, session] of sessions) {
        // A token the user already revoked by signing out is refused again: nothing left to do for it.
        if (session.email === email)
          await callCognitoLocal("RevokeToken", { ClientId: clientId, Token: refreshToken }).catch(() => undefined);
      }
    },
    cognitoLocal: callCognitoLocal,
    storedObjects: async () => {
      const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
      const listing = await adminS3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const objects = new Map<string, string>();
      for (const { Key } of listing.Contents ?? []) {
        const object = await adminS3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        objects.set(Key!, await object.Body!.transformToString());
      }
      return objects;
    },
    stop: async () => {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      servers.forEach((server) => server.closeAllConnections());
      await s3rver.close();
      adminS3.destroy();
      await cognitoLocal.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  } satisfies Omit<Loopback, "credentialLifetimeMs">);
  return loopback;
}

let filesHandlerTarget: string | undefined;
/** The s3rver port the files handler was first given in this process. */
let s3rverPort: number | undefined;

/**
 * The deployed `GET /files` handler itself, given what Lambda and SST would give it: the linked
 * bucket's name in `SST_RESOURCE_UploadsListing`, a region, credentials (s3rver accepts any) and,
 * as the one difference, S3's endpoint. Its S3 client is built once at import, so every s3rver
 * of this process listens on the same port.
 */
async function realFilesHandler(
  s3rverUrl: string,
  bucket: string,
): Promise<(event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>> {
  const target = `${s3rverUrl}/${bucket}`;
  if (filesHandlerTarget && filesHandlerTarget !== target) {
    throw new Error(
      "The files handler already lists another loopback's bucket in this process: start one loopback per test file.",
    );
  }
  filesHandlerTarget = target;
  Object.assign(process.env, {
    SST_RESOURCE_UploadsListing: JSON.stringify({ name: bucket }),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_S3: s3rverUrl,
  });
  const { handler } = await import("@iam-auth-api/functions/files");
  return handler as (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
}

/** `<region>:<uuid>`, stable per login like Cognito's. */
function identityIdFor(login: string): string {
  const hex = createHash("sha256").update(login).digest("hex");
  return `${REGION}:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function startCognitoLocal(cwd: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [COGNITO_LOCAL_BIN], {
    cwd,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk) => (log += chunk.toString()));
  const plain = () => log.replace(/\u001b\[[0-9;]*m/g, "");
  const url = await waitFor(
    () => /Cognito Local running on (http:\/\/[\d.]+:\d+)/.exec(plain())?.[1],
    () => `cognito-local did not start:\n${plain()}`,
  );
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

async function waitFor<T>(probe: () => T | undefined, failure: () => string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function awsJson(url: string, target: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body: JSON.stringify(body),
  });
  const result = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${target}: ${JSON.stringify(result)}`);
  return result;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Sends the request on to `target` and returns the answer. */
function relay(
  target: string,
  request: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const url = new URL(request.url ?? "/", target);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: request.method,
        headers: { ...request.headers, host: url.host, "content-length": String(body.length) },
      },
      async (answer) => {
        resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: await readBody(answer) });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

async function forward(
  target: string,
  request: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
): Promise<void> {
  const answer = await relay(target, request, body);
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

/** cognito-local leaves out ExpiresIn, which Cognito always sends: derive it from the id token. */
function withExpiresIn<T extends { AuthenticationResult?: { IdToken?: string; ExpiresIn?: number } }>(result: T): T {
  const idToken = result.AuthenticationResult?.IdToken;
  if (idToken) {
    const { exp } = JSON.parse(Buffer.from(idToken.split(".")[1], "base64url").toString());
    result.AuthenticationResult!.ExpiresIn = Math.round(exp - Date.now() / 1000);
  }
  return result;
}

/** How Cognito shows where it sent a code: m***@e***. */
function maskEmail(email: string): string {
  const [local, domain = ""] = email.split("@");
  return `${local[0]}***@${domain[0] ?? ""}***`;
}

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = "application/x-amz-json-1.1",
): void {
  response.writeHead(status, { "content-type": contentType });
  response.end(JSON.stringify(body));
}

function awsError(response: ServerResponse, name: string, message: string, status = 400): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": name });
  response.end(JSON.stringify({ __type: name, message }));
}

function s3Error(response: ServerResponse, code: string, message: string, status = 403): void {
  response.writeHead(status, { "content-type": "application/xml" });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

function reply(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  response.end(result.body ?? "");
}
