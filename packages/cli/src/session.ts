import { CliError } from "./cli-error";
import type { Logins } from "./identity-pool";
import type { Outputs } from "./outputs";
import { readSession, sessionFile, writeSession, type Session, type SignIn } from "./session-store";
import type { UserPoolSettings } from "./user-pool";

/** Renew this long before expiry, so a request never leaves with credentials that lapse in flight. */
export const RENEW_MARGIN_MS = 5 * 60 * 1000;

export interface AppSettings extends UserPoolSettings {
  identityPool: string;
}

export function appSettings(outputs: Outputs): AppSettings {
  return {
    region: outputs.get("Region"),
    userPool: outputs.get("UserPool"),
    userPoolClient: outputs.get("UserPoolClient"),
    identityPool: outputs.get("IdentityPool"),
  };
}

/** The identity pool's name for this app's user pool, as the key of its `Logins` map. */
export function userPoolProviderName(region: string, userPool: string): string {
  return `cognito-idp.${region}.amazonaws.com/${userPool}`;
}

function loginsFor(settings: AppSettings, signIn: SignIn): Logins {
  switch (signIn.method) {
    case "userPool":
      return { [userPoolProviderName(settings.region, settings.userPool)]: signIn.idToken };
  }
}

async function renewedSignIn(settings: AppSettings, signIn: SignIn, env: NodeJS.ProcessEnv): Promise<SignIn> {
  switch (signIn.method) {
    case "userPool": {
      if (signIn.tokensExpireAt - RENEW_MARGIN_MS > Date.now()) return signIn;
      const { refreshSignIn } = await import("./user-pool");
      return refreshSignIn(settings, signIn, env);
    }
  }
}

/** Trades a fresh sign-in for the identity's credentials and caches both. */
export async function startSession(settings: AppSettings, signIn: SignIn, env: NodeJS.ProcessEnv): Promise<Session> {
  const { identityCredentials } = await import("./identity-pool");
  const { identityId, credentials } = await identityCredentials(settings, loginsFor(settings, signIn), undefined, env);
  const session: Session = { version: 1, userPool: settings.userPool, identityPool: settings.identityPool, identityId, signIn, credentials };
  await writeSession(sessionFile(env, settings.userPool), session);
  return session;
}

/** The cached session; its credentials renewed first (SDK clients loaded only then) if they are about to expire. */
export async function currentSession(settings: AppSettings, env: NodeJS.ProcessEnv): Promise<Session> {
  const file = sessionFile(env, settings.userPool);
  const cached = await readSession(file);
  if (!cached) throw new CliError("NotLoggedIn", `Not logged in to user pool ${settings.userPool}: run \`iam-api login <email>\` first.`);
  if (cached.identityPool !== settings.identityPool) {
    throw new CliError("NotLoggedIn", `The cached sign-in belongs to identity pool ${cached.identityPool}, not ${settings.identityPool}: log in again with \`iam-api login <email>\`.`);
  }
  if (cached.credentials.expiresAt - RENEW_MARGIN_MS > Date.now()) return cached;

  const signIn = await renewedSignIn(settings, cached.signIn, env);
  const { identityCredentials } = await import("./identity-pool");
  const { credentials } = await identityCredentials(settings, loginsFor(settings, signIn), cached.identityId, env);
  const renewed: Session = { ...cached, signIn, credentials };
  await writeSession(file, renewed);
  return renewed;
}
