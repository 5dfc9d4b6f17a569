/**
 * The user pool double: cognito-local (a child process) holds users and issues, refreshes and
 * revokes tokens; this front adds what it lacks: the SRP exchange (verifier recorded at sign-up), the
 * pool's password policy, the client's allowed auth flows, and the codes it "emails" (sign-up, resend,
 * forgot password), which it checks itself and then applies through cognito-local's admin calls.
 * Everything it knows lives in `dataDir`, so a restart of `npm start` keeps users and their verifiers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { userPoolProviderName } from "@iam-auth-api/client/settings";
import { awsError, awsJson, forward, json, type Plumbing, relay, savedState, waitFor } from "./plumbing";
import { createChallenge, createVerifier, type ServerChallenge, type Verifier } from "./srp-server";
import { withClaims } from "./tokens";
import type { Json } from "@iam-auth-api/infra-harness/evaluation";

const COGNITO_LOCAL_BIN = fileURLToPath(
  new URL("../../../node_modules/cognito-local/lib/bin/start.js", import.meta.url),
);

/** The user pool and client as infra/ configures them (read from the offline evaluation). */
export interface UserPoolConfig {
  region: string;
  passwordPolicy: {
    minimumLength: number;
    requireLowercase?: boolean;
    requireUppercase?: boolean;
    requireNumbers?: boolean;
    requireSymbols?: boolean;
  };
  /** `usernameAttributes`: `["email"]` makes the email the user name. */
  usernameAttributes: string[];
  /** The client's `explicitAuthFlows` (`ALLOW_USER_SRP_AUTH`…). */
  explicitAuthFlows: string[];
}

/** Why a code was "emailed". */
export type CodeReason = "sign-up" | "resend" | "password reset";

type Tokens = { IdToken: string; AccessToken: string; RefreshToken?: string };

/** What the front double remembers, saved to `dataDir` after every change. */
interface SavedState {
  userPool: string;
  clientId: string;
  /** Email → the latest code "emailed" to it; a new one replaces the old, as Cognito's resend does. */
  codes: Record<string, string>;
  verifiers: Record<string, Verifier & { password: string }>;
  /** Refresh token → who signed in and the sign-in's id, which Cognito puts in every token as origin_jti. */
  sessions: Record<string, { email: string; originJti: string }>;
}

interface UserPoolState extends SavedState {
  config: UserPoolConfig;
  providerName: string;
  challenges: Map<string, { email: string; challenge: ServerChallenge }>;
  cognitoLocal: CognitoLocal;
  /** Lifetime of the id and access tokens issued from now on (cognito-local's, an hour, when undefined). */
  tokenLifetimeMs: () => number | undefined;
  onCode: (email: string, code: string, reason: CodeReason) => void;
  save: () => Promise<void>;
}

export interface UserPool {
  url: string;
  id: string;
  clientId: string;
  /** The identity pool's Logins key for this pool: cognito-idp.<region>.amazonaws.com/<id>. */
  providerName: string;
  cognitoLocalUrl: string;
  /** Calls cognito-local directly (admin operations, revocation), bypassing the front double. */
  callCognitoLocal(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The latest code the pool "emailed" to `email`, or undefined. */
  codeFor(email: string): string | undefined;
  /** As AdminUserGlobalSignOut: every refresh token issued to this user stops working. */
  revokeSessions(email: string): Promise<void>;
  /** Whether the user behind a token still exists and its sign-in was not revoked: the server-side token check. */
  stillSignedIn(email: string, originJti: string | undefined): Promise<boolean>;
}

interface UserPoolOptions {
  config: UserPoolConfig;
  /** cognito-local, started (by `startCognitoLocal`) in `dataDir`; its owner stops it. */
  cognitoLocal: CognitoLocal;
  /** This double's state. */
  dataDir: string;
  port?: number;
  tokenLifetimeMs: () => number | undefined;
  onCode?: (email: string, code: string, reason: CodeReason) => void;
}

/** Creates (or finds again) the pool and its client in cognito-local, and serves the front double. */
export async function startUserPool(plumbing: Plumbing, options: UserPoolOptions): Promise<UserPool> {
  const { cognitoLocal } = options;
  const state = await restoreOrCreatePool(cognitoLocal, options);
  const url = await plumbing.listen(
    "cognitoIdp",
    (request, body, response) => serveOperation(state, request, body, response),
    options.port,
  );
  return {
    url,
    id: state.userPool,
    clientId: state.clientId,
    providerName: state.providerName,
    cognitoLocalUrl: cognitoLocal.url,
    callCognitoLocal: cognitoLocal.call,
    codeFor: (email) => state.codes[email],
    revokeSessions: (email) => revokeSessions(state, email),
    stillSignedIn: async (email, originJti) => {
      if (!(await userStatus(state, email))) return false;
      const session = Object.entries(state.sessions).find(([, candidate]) => candidate.originJti === originJti);
      if (!session) return originJti === undefined;
      // A revoked refresh token is how cognito-local records a sign-out of that sign-in.
      const refreshed = await cognitoLocal
        .call("InitiateAuth", {
          ClientId: state.clientId,
          AuthFlow: "REFRESH_TOKEN_AUTH",
          AuthParameters: { REFRESH_TOKEN: session[0] },
        })
        .catch(() => undefined);
      return refreshed !== undefined;
    },
  };
}

async function restoreOrCreatePool(cognitoLocal: CognitoLocal, options: UserPoolOptions): Promise<UserPoolState> {
  const stateFile = join(options.dataDir, "user-pool-front.json");
  let saved = savedState<SavedState>(stateFile, (_key, value) =>
    typeof value === "string" && value.startsWith(BIGINT) ? BigInt(value.slice(BIGINT.length)) : value,
  );
  if (!saved) {
    const { UserPool } = (await cognitoLocal.call("CreateUserPool", {
      PoolName: "local",
      UsernameAttributes: options.config.usernameAttributes,
      AutoVerifiedAttributes: ["email"],
    })) as { UserPool: { Id: string } };
    const { UserPoolClient } = (await cognitoLocal.call("CreateUserPoolClient", {
      UserPoolId: UserPool.Id,
      ClientName: "cli",
    })) as { UserPoolClient: { ClientId: string } };
    saved = { userPool: UserPool.Id, clientId: UserPoolClient.ClientId, codes: {}, verifiers: {}, sessions: {} };
  }
  const state: UserPoolState = {
    ...saved,
    config: options.config,
    providerName: userPoolProviderName(options.config.region, saved.userPool),
    challenges: new Map(),
    cognitoLocal,
    tokenLifetimeMs: options.tokenLifetimeMs,
    onCode: options.onCode ?? (() => {}),
    save: () =>
      writeFile(
        stateFile,
        JSON.stringify(
          {
            userPool: state.userPool,
            clientId: state.clientId,
            codes: state.codes,
            verifiers: state.verifiers,
            sessions: state.sessions,
          } satisfies SavedState,
          (_key, value) => (typeof value === "bigint" ? `${BIGINT}0x${value.toString(16)}` : value),
        ),
      ),
  };
  await state.save();
  return state;
}

/** How a verifier's numbers are saved: JSON has no big integers. */
const BIGINT = "bigint:";

type Input = Record<string, Json>;
type Operation = (
  state: UserPoolState,
  input: Input,
  raw: { request: IncomingMessage; body: Buffer },
  response: ServerResponse,
) => Promise<void>;

/** The operations the front double answers itself; every other one goes to cognito-local as sent. */
const OPERATIONS: Record<string, Operation> = {
  SignUp: signUp,
  ResendConfirmationCode: (state, input, _raw, response) => emailCodeAgain(state, input, response, "resend"),
  ForgotPassword: (state, input, _raw, response) => emailCodeAgain(state, input, response, "password reset"),
  ConfirmSignUp: (state, input, _raw, response) => confirmWithCode(state, input, response, "sign-up"),
  ConfirmForgotPassword: (state, input, _raw, response) => confirmWithCode(state, input, response, "password reset"),
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToPasswordVerifier,
  // Amplify v6 refreshes with GetTokensFromRefreshToken, which cognito-local lacks; without refresh
  // token rotation (this app's client has none) it answers as REFRESH_TOKEN_AUTH does: no new refresh token.
  GetTokensFromRefreshToken: (state, input, _raw, response) =>
    refreshTokens(state, input.RefreshToken, false, response),
  AdminSetUserPassword: adminSetUserPassword,
  AdminUserGlobalSignOut: adminUserGlobalSignOut,
};

async function serveOperation(
  state: UserPoolState,
  request: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
): Promise<void> {
  const operation = String(request.headers["x-amz-target"]).split(".")[1];
  const input = JSON.parse(body.toString("utf8") || "{}");
  if (input.ClientId !== undefined && input.ClientId !== state.clientId) {
    return awsError(response, "ResourceNotFoundException", `User pool client ${input.ClientId} does not exist.`);
  }
  if (operation === "SignUp" || operation === "ConfirmForgotPassword" || operation === "AdminSetUserPassword") {
    const failed = passwordPolicyViolation(state.config.passwordPolicy, input.Password);
    if (failed)
      return awsError(response, "InvalidPasswordException", `Password did not conform with policy: ${failed}`);
  }
  const answer = OPERATIONS[operation];
  if (answer) return answer(state, input, { request, body }, response);
  await forward(state.cognitoLocal.url, request, body, response);
}

/** Cognito's check for each class of characters a pool's policy can require, in its words (the symbols are Cognito's set). */
const CLASS_CHECKS: Record<Exclude<keyof UserPoolConfig["passwordPolicy"], "minimumLength">, [RegExp, string]> = {
  requireLowercase: [/[a-z]/, "Password must have lowercase characters"],
  requireUppercase: [/[A-Z]/, "Password must have uppercase characters"],
  requireNumbers: [/\d/, "Password must have numeric characters"],
  requireSymbols: [/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/, "Password must have symbol characters"],
};

/** The pool's policy, checked as Cognito checks it: the first rule the password breaks, in Cognito's words. */
function passwordPolicyViolation(policy: UserPoolConfig["passwordPolicy"], password: string | undefined) {
  const checks: Array<[RegExp, string]> = [
    [new RegExp(`.{${policy.minimumLength},}`), "Password not long enough"],
    ...Object.entries(CLASS_CHECKS)
      .filter(([setting]) => policy[setting as keyof typeof CLASS_CHECKS])
      .map(([, check]) => check),
  ];
  return checks.find(([rule]) => !rule.test(password ?? ""))?.[1];
}

function emailCode(state: UserPoolState, email: string, reason: CodeReason): void {
  let code: string;
  do code = String(randomInt(1_000_000)).padStart(6, "0");
  while (code === state.codes[email]);
  state.codes[email] = code;
  state.onCode(email, code, reason);
}

async function userStatus(state: UserPoolState, email: string): Promise<string | undefined> {
  const user = (await state.cognitoLocal
    .call("AdminGetUser", { UserPoolId: state.userPool, Username: email })
    .catch(() => undefined)) as { UserStatus: string } | undefined;
  return user?.UserStatus;
}

async function signUp(
  state: UserPoolState,
  input: Input,
  raw: { request: IncomingMessage; body: Buffer },
  response: ServerResponse,
) {
  const answer = await relay(state.cognitoLocal.url, raw.request, raw.body);
  if (answer.status === 200) {
    const { UserSub } = JSON.parse(answer.body.toString("utf8"));
    state.verifiers[input.Username] = {
      ...createVerifier(state.userPool, UserSub, input.Password),
      password: input.Password,
    };
    emailCode(state, input.Username, "sign-up");
    await state.save();
  }
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

async function emailCodeAgain(state: UserPoolState, input: Input, response: ServerResponse, reason: CodeReason) {
  const status = await userStatus(state, input.Username);
  if (!status) return awsError(response, "UserNotFoundException", "Username/client id combination not found.");
  if (reason === "resend" && status !== "UNCONFIRMED")
    return awsError(response, "InvalidParameterException", "User is already confirmed.");
  emailCode(state, input.Username, reason);
  await state.save();
  json(response, 200, {
    CodeDeliveryDetails: { AttributeName: "email", DeliveryMedium: "EMAIL", Destination: maskEmail(input.Username) },
  });
}

/** As AdminUserGlobalSignOut: every refresh token issued to this user stops working. */
async function revokeSessions(state: UserPoolState, email: string): Promise<void> {
  for (const [refreshToken, session] of Object.entries(state.sessions)) {
    // A token the user already revoked by signing out is refused again: nothing left to do for it.
    if (session.email === email)
      await state.cognitoLocal.call("RevokeToken", { ClientId: state.clientId, Token: refreshToken }).catch(() => {});
  }
}

/** cognito-local sets the password; an admin-set password signs in with SRP too, as on Cognito: its verifier replaces any other. */
async function adminSetUserPassword(
  state: UserPoolState,
  input: Input,
  raw: { request: IncomingMessage; body: Buffer },
  response: ServerResponse,
): Promise<void> {
  const answer = await relay(state.cognitoLocal.url, raw.request, raw.body);
  if (answer.status === 200) {
    const user = (await state.cognitoLocal.call("AdminGetUser", {
      UserPoolId: state.userPool,
      Username: input.Username,
    })) as {
      UserAttributes: Array<{ Name: string; Value: string }>;
    };
    const sub = user.UserAttributes.find((attribute) => attribute.Name === "sub")!.Value;
    state.verifiers[input.Username] = {
      ...createVerifier(state.userPool, sub, input.Password),
      password: input.Password,
    };
    await state.save();
  }
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

/** AdminUserGlobalSignOut, which cognito-local lacks: the user's sign-ins are revoked (what serverSideTokenCheck then asks about). */
async function adminUserGlobalSignOut(state: UserPoolState, input: Input, _raw: unknown, response: ServerResponse) {
  if (!(await userStatus(state, input.Username)))
    return awsError(response, "UserNotFoundException", "User does not exist.");
  await revokeSessions(state, input.Username);
  json(response, 200, {});
}

/** ConfirmSignUp and ConfirmForgotPassword: the emailed code, then cognito-local's admin call. */
async function confirmWithCode(
  state: UserPoolState,
  input: Input,
  response: ServerResponse,
  confirming: "sign-up" | "password reset",
): Promise<void> {
  if (!(await userStatus(state, input.Username)))
    return awsError(response, "UserNotFoundException", "Username/client id combination not found.");
  if (state.codes[input.Username] === undefined || state.codes[input.Username] !== input.ConfirmationCode) {
    return awsError(response, "CodeMismatchException", "Invalid verification code provided, please try again.");
  }
  delete state.codes[input.Username];
  if (confirming === "sign-up") {
    await state.cognitoLocal.call("AdminConfirmSignUp", { UserPoolId: state.userPool, Username: input.Username });
  } else {
    await state.cognitoLocal.call("AdminSetUserPassword", {
      UserPoolId: state.userPool,
      Username: input.Username,
      Password: input.Password,
      Permanent: true,
    });
    // The new password replaces the SRP verifier too, or sign-in would still want the old one.
    const user = state.verifiers[input.Username];
    if (user)
      state.verifiers[input.Username] = {
        ...createVerifier(state.userPool, user.userIdForSrp, input.Password),
        password: input.Password,
      };
  }
  await state.save();
  json(response, 200, {});
}

/** The auth flows the client allows, by the `AuthFlow` a client asks for. */
const FLOW_SETTINGS: Record<string, string> = {
  USER_SRP_AUTH: "ALLOW_USER_SRP_AUTH",
  REFRESH_TOKEN_AUTH: "ALLOW_REFRESH_TOKEN_AUTH",
  REFRESH_TOKEN: "ALLOW_REFRESH_TOKEN_AUTH",
  USER_PASSWORD_AUTH: "ALLOW_USER_PASSWORD_AUTH",
  CUSTOM_AUTH: "ALLOW_CUSTOM_AUTH",
};

async function initiateAuth(state: UserPoolState, input: Input, _raw: unknown, response: ServerResponse) {
  const setting = FLOW_SETTINGS[input.AuthFlow];
  // Of the flows a client may allow, the double implements SRP and refresh.
  if (
    !setting ||
    !state.config.explicitAuthFlows.includes(setting) ||
    input.AuthFlow === "USER_PASSWORD_AUTH" ||
    input.AuthFlow === "CUSTOM_AUTH"
  )
    return awsError(response, "InvalidParameterException", `${input.AuthFlow} flow not enabled for this client`);
  if (input.AuthFlow !== "USER_SRP_AUTH")
    return refreshTokens(state, input.AuthParameters?.REFRESH_TOKEN, true, response);
  const email = input.AuthParameters?.USERNAME;
  const user = state.verifiers[email];
  if (!user) return awsError(response, "NotAuthorizedException", "Incorrect username or password.");
  if ((await userStatus(state, email)) === "UNCONFIRMED")
    return awsError(response, "UserNotConfirmedException", "User is not confirmed.");
  const challenge = createChallenge(state.userPool, user, input.AuthParameters.SRP_A);
  const session = randomBytes(32).toString("base64");
  state.challenges.set(session, { email, challenge });
  json(response, 200, {
    ChallengeName: "PASSWORD_VERIFIER",
    ChallengeParameters: { ...challenge.parameters, USERNAME: user.userIdForSrp },
    Session: session,
  });
}

async function respondToPasswordVerifier(
  state: UserPoolState,
  input: Input,
  raw: { request: IncomingMessage; body: Buffer },
  response: ServerResponse,
) {
  if (input.ChallengeName !== "PASSWORD_VERIFIER")
    return forward(state.cognitoLocal.url, raw.request, raw.body, response);
  const pending = state.challenges.get(input.Session);
  state.challenges.delete(input.Session);
  const user = pending && state.verifiers[pending.email];
  if (
    !pending ||
    !user ||
    input.ChallengeResponses?.USERNAME !== user.userIdForSrp ||
    !pending.challenge.verify(input.ChallengeResponses)
  ) {
    return awsError(response, "NotAuthorizedException", "Incorrect username or password.");
  }
  // The proof checked out: cognito-local, which has no SRP, issues the tokens.
  const tokens = await state.cognitoLocal.call("InitiateAuth", {
    ClientId: state.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: pending.email, PASSWORD: user.password },
  });
  const result = tokens.AuthenticationResult as Tokens;
  state.sessions[result.RefreshToken!] = { email: pending.email, originJti: randomUUID() };
  await state.save();
  json(
    response,
    200,
    withExpiresIn({
      ChallengeParameters: {},
      AuthenticationResult: withIssuerAndOrigin(state, result, result.RefreshToken!),
    }),
  );
}

/** REFRESH_TOKEN_AUTH (`viaInitiateAuth`) or GetTokensFromRefreshToken: new id and access tokens, no new refresh token. */
async function refreshTokens(
  state: UserPoolState,
  refreshToken: string | undefined,
  viaInitiateAuth: boolean,
  response: ServerResponse,
) {
  const refreshed = await state.cognitoLocal
    .call("InitiateAuth", {
      ClientId: state.clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    })
    .catch(() => undefined);
  if (!refreshed || refreshToken === undefined)
    return awsError(response, "NotAuthorizedException", "Refresh Token has been revoked");
  const { RefreshToken: _, ...tokens } = refreshed.AuthenticationResult as Tokens;
  json(
    response,
    200,
    withExpiresIn({
      ...(viaInitiateAuth && { ChallengeParameters: {} }),
      AuthenticationResult: withIssuerAndOrigin(state, tokens, refreshToken),
    }),
  );
}

/**
 * Tokens with the claims Cognito puts in and cognito-local leaves out: its issuer (Amplify derives the
 * identity pool's Logins key from `iss`), and the sign-in they come from (origin_jti), which lets a
 * client revoke them (Amplify checks for it); and the lifetime a test set.
 */
function withIssuerAndOrigin(state: UserPoolState, tokens: Tokens, refreshToken: string): Tokens {
  const session = state.sessions[refreshToken];
  if (!session) return tokens;
  const lifetime = state.tokenLifetimeMs();
  const claims = {
    iss: `https://${state.providerName}`,
    origin_jti: session.originJti,
    ...(lifetime !== undefined && { exp: Math.floor((Date.now() + lifetime) / 1000) }),
  };
  return {
    ...tokens,
    IdToken: withClaims(tokens.IdToken, claims),
    AccessToken: withClaims(tokens.AccessToken, claims),
  };
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

export interface CognitoLocal {
  url: string;
  call(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * cognito-local in `cwd` (its database goes to `cwd/.cognito`), on a free loopback port. It needs no
 * configuration, so the loopback starts it while the evaluation is still being read.
 */
export async function startCognitoLocal(cwd: string, onCrash?: (reason: string) => void): Promise<CognitoLocal> {
  const child: ChildProcess = spawn(process.execPath, [COGNITO_LOCAL_BIN], {
    cwd,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk) => (log += chunk.toString()));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  const plain = () => log.replace(/\u001b\[[0-9;]*m/g, "");
  let stopping = false;
  child.once("exit", (code, signal) => {
    if (!stopping) onCrash?.(`cognito-local exited with ${signal ?? `code ${code}`}`);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill();
    });
  try {
    const url = await waitFor(
      () => (child.exitCode !== null ? "" : /Cognito Local running on (http:\/\/[\d.]+:\d+)/.exec(plain())?.[1]),
      () => `cognito-local did not start:\n${plain()}`,
    );
    if (!url) throw new Error(`cognito-local exited:\n${plain()}`);
    return {
      url,
      call: (operation, body) => awsJson(url, `AWSCognitoIdentityProviderService.${operation}`, body),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
