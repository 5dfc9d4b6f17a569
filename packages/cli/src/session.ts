import { FEDERATED_PROVIDERS } from "@iam-auth-api/client/providers";
import { needsRenewal } from "@iam-auth-api/client/renewal";
import { userPoolProviderName } from "@iam-auth-api/client/settings";
import { CliError } from "./cli-error";
import { logInAgainWith, refusedFederatedLogin, tokenExpiresAt } from "./federation";
import type { Logins } from "./identity-pool";
import type { SESSION_OUTPUTS, USER_POOL_OUTPUTS } from "./outputs";
import { readSession, sessionFile, writeSession, type Session, type SignIn } from "./session-store";
import { DEFAULT_INVOCATION, type Invocation } from "./invocation";
import type { UserPoolSettings } from "./user-pool";

interface AppSettings extends UserPoolSettings {
  identityPool: string;
}

/** What the user pool's calls need, from the outputs: signing up and confirming need no identity pool. */
export function userPoolSettings(
  outputs: Record<(typeof USER_POOL_OUTPUTS)[number], string>,
  invocation: Invocation,
): UserPoolSettings {
  return { region: outputs.Region, userPool: outputs.UserPool, userPoolClient: outputs.UserPoolClient, invocation };
}

/** What signing in and signed calls need, from the outputs: the user pool's settings and the identity pool. */
export function appSettings(
  outputs: Record<(typeof SESSION_OUTPUTS)[number], string>,
  invocation: Invocation,
): AppSettings {
  return { ...userPoolSettings(outputs, invocation), identityPool: outputs.IdentityPool };
}

function loginsFor(settings: AppSettings, signIn: SignIn): Logins {
  switch (signIn.method) {
    case "userPool":
      return { [userPoolProviderName(settings.region, settings.userPool)]: signIn.idToken };
    case "federated":
      return { [signIn.providerName]: signIn.token };
  }
}

/** The command that signs this user in again. */
function loginCommand(settings: AppSettings, signIn: SignIn): string {
  const { command } = settings.invocation ?? DEFAULT_INVOCATION;
  return command(signIn.method === "userPool" ? `login ${signIn.username}` : `login --provider ${signIn.provider}`);
}

/** The identity pool refusing a sign-in: `renewing` when it is the cached one, which only a new login replaces. */
function refusal(settings: AppSettings, signIn: SignIn, renewing: boolean): (reason: string) => CliError {
  return (reason) => {
    if (signIn.method === "federated") {
      const { label } = FEDERATED_PROVIDERS[signIn.provider];
      return renewing
        ? logInAgainWith(
            signIn,
            `The identity pool no longer accepts your ${label} sign-in (${reason})`,
            settings.invocation,
          )
        : refusedFederatedLogin(signIn, settings.identityPool, reason);
    }
    return new CliError(
      "IdentityRejected",
      `The identity pool ${settings.identityPool} refused the sign-in (${reason}): log in again with \`${loginCommand(settings, signIn)}\`; if it persists, the outputs mix values of different stages.`,
    );
  };
}

async function renewedSignIn(settings: AppSettings, signIn: SignIn, env: NodeJS.ProcessEnv): Promise<SignIn> {
  switch (signIn.method) {
    case "userPool": {
      if (!needsRenewal(signIn.tokensExpireAt)) return signIn;
      const { refreshSignIn } = await import("./user-pool");
      return refreshSignIn(settings, signIn, env);
    }
    case "federated": {
      // No refresh token: the cached provider token is sent again, unless it is known to have expired.
      const expiresAt = tokenExpiresAt(signIn);
      if (expiresAt !== undefined && expiresAt <= Date.now()) {
        throw logInAgainWith(
          signIn,
          `Your ${FEDERATED_PROVIDERS[signIn.provider].label} token expired at ${new Date(expiresAt).toISOString()} and Cognito cannot refresh it`,
          settings.invocation,
        );
      }
      return signIn;
    }
  }
}

/** Trades a fresh sign-in for the identity's credentials and caches both. */
export async function startSession(settings: AppSettings, signIn: SignIn, env: NodeJS.ProcessEnv): Promise<Session> {
  const { identityCredentials } = await import("./identity-pool");
  const { identityId, credentials } = await identityCredentials(
    settings,
    loginsFor(settings, signIn),
    undefined,
    env,
    refusal(settings, signIn, false),
  );
  const session: Session = {
    version: 1,
    userPool: settings.userPool,
    identityPool: settings.identityPool,
    identityId,
    signIn,
    credentials,
  };
  await writeSession(sessionFile(env, settings.userPool), session);
  return session;
}

export function loginHint(invoked = DEFAULT_INVOCATION): string {
  return `\`${invoked.command("login <email>")}\` or \`${invoked.command("login --provider <name> --token <token>")}\``;
}

/** The cached session; its credentials renewed first (SDK clients loaded only then) if they are about to expire. */
export async function currentSession(settings: AppSettings, env: NodeJS.ProcessEnv): Promise<Session> {
  const session = await cachedSession(settings, env);
  if (!session)
    throw new CliError(
      "NotLoggedIn",
      `Not logged in to user pool ${settings.userPool}: run ${loginHint(settings.invocation)} first.`,
    );
  return session;
}

/** As `currentSession`, or undefined when nobody is logged in: for requests that may go unsigned. */
export async function cachedSession(settings: AppSettings, env: NodeJS.ProcessEnv): Promise<Session | undefined> {
  const file = sessionFile(env, settings.userPool);
  const cached = await readSession(file);
  if (!cached) return undefined;
  if (cached.identityPool !== settings.identityPool) {
    throw new CliError(
      "NotLoggedIn",
      `The cached sign-in belongs to identity pool ${cached.identityPool}, not ${settings.identityPool}: log in again with \`${loginCommand(settings, cached.signIn)}\`.`,
    );
  }
  if (!needsRenewal(cached.credentials.expiresAt)) return cached;

  const signIn = await renewedSignIn(settings, cached.signIn, env);
  const { identityCredentials } = await import("./identity-pool");
  const { credentials } = await identityCredentials(
    settings,
    loginsFor(settings, signIn),
    cached.identityId,
    env,
    refusal(settings, signIn, true),
  );
  const renewed: Session = { ...cached, signIn, credentials };
  await writeSession(file, renewed);
  return renewed;
}
