import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError } from "./cli-error";
import type { FederatedProvider } from "@iam-auth-api/client/providers";

/** Signed in to the app's user pool with SRP; the tokens renew with the refresh token. */
export interface UserPoolSignIn {
  method: "userPool";
  username: string;
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds when the id and access tokens expire. */
  tokensExpireAt: number;
}

/**
 * Signed in with a provider's token (`login --provider`). Cognito cannot refresh it: the cached token
 * is sent again while the provider still accepts it, then the user logs in again.
 */
export interface FederatedSignIn {
  method: "federated";
  provider: FederatedProvider;
  /** The identity pool's name for the provider, the key of the `Logins` map: `api.twitter.com`, an Auth0 domain… */
  providerName: string;
  /** The value of the `Logins` map (Twitter: `<access token>;<access token secret>`). */
  token: string;
}

/** How the identity pool was given proof of who the user is. */
export type SignIn = UserPoolSignIn | FederatedSignIn;

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface Session {
  version: 1;
  userPool: string;
  identityPool: string;
  identityId: string;
  signIn: SignIn;
  credentials: TemporaryCredentials;
}

export const CACHE_DIR_ENV = "IAM_API_CACHE_DIR";

/** The directory this CLI owns for cached sessions; kept at mode 0700. */
export function cacheDirectory(env: NodeJS.ProcessEnv, platform = process.platform): string {
  if (env[CACHE_DIR_ENV]) return env[CACHE_DIR_ENV];
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "iam-api");
  if (platform === "darwin") return join(homedir(), "Library", "Caches", "iam-api");
  if (platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "iam-api");
  return join(homedir(), ".cache", "iam-api");
}

/** One file per user pool, so each stage (each has its own pool) keeps its own sign-in. */
export function sessionFile(env: NodeJS.ProcessEnv, userPool: string): string {
  if (!/^[\w-]+$/.test(userPool)) {
    throw new CliError("InvalidOutputs", `The UserPool output "${userPool}" is not a user pool id: run \`npx sst deploy\` to rewrite the outputs.`);
  }
  return join(cacheDirectory(env), `${userPool}.json`);
}

export async function readSession(file: string): Promise<Session | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const session = JSON.parse(text) as Session;
    return session.version === 1 ? session : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the file atomically; the content is never readable by anyone else, not even briefly. */
export async function writeSession(file: string, session: Session): Promise<void> {
  const directory = join(file, "..");
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(session, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function deleteSession(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
