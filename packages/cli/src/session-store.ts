// Synchronous file access: node:fs/promises alone costs a command a few milliseconds to load.
import {
  chmodSync,
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { join } from "node:path";
import type { FederatedProvider } from "@iam-auth-api/client/providers";
import { cacheDirectory, unsafeCache } from "./cache-directory";
import { CliError } from "./cli-error";

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

/** One file per user pool, so each stage (each has its own pool) keeps its own sign-in. */
export function sessionFile(env: NodeJS.ProcessEnv, userPool: string): string {
  if (!/^[\w-]+$/.test(userPool)) {
    throw new CliError(
      "InvalidOutputs",
      `The UserPool output "${userPool}" is not a user pool id: run \`npx sst deploy\` to rewrite the outputs.`,
    );
  }
  return join(cacheDirectory(env), `${userPool}.json`);
}

/**
 * The cached session, if any. Refused when another local user could have planted or read it: a
 * directory writable by group or others or owned by someone else, a file with group/other bits or
 * another owner. The file is opened first and checked through its handle, so it cannot be swapped in between.
 */
export async function readSession(file: string): Promise<Session | undefined> {
  const directory = join(file, "..");
  let descriptor: number;
  try {
    descriptor = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let text: string;
  try {
    checkPrivate(directory, statSync(directory), "directory");
    checkPrivate(file, fstatSync(descriptor), "file");
    text = readFileSync(descriptor, "utf8");
  } finally {
    closeSync(descriptor);
  }
  try {
    const session = JSON.parse(text) as Session;
    return session.version === 1 ? session : undefined;
  } catch {
    return undefined;
  }
}

function checkPrivate(path: string, stats: Stats, kind: "directory" | "file"): void {
  const problem = unsafeCache(stats, kind);
  const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
  const fix = kind === "directory" ? `\`chmod 700 ${path}\`` : `\`chmod 600 ${path}\``;
  if (problem === "owner") {
    throw new CliError(
      "UnsafeCache",
      `The credential cache ${kind} ${path} belongs to another user (uid ${stats.uid}), who could plant a sign-in there: ${kind === "directory" ? "set IAM_API_CACHE_DIR to a directory of your own" : `delete it (\`rm ${path}\`)`}, then log in again.`,
    );
  }
  if (problem === "mode") {
    throw new CliError(
      "UnsafeCache",
      `The credential cache ${kind} ${path} is ${kind === "directory" ? "writable" : "open"} to other users (mode ${mode}), who could plant a sign-in or read yours: run ${fix}, then log in again.`,
    );
  }
}

/** Replaces the file atomically; the content is never readable by anyone else, not even briefly. */
export async function writeSession(file: string, session: Session): Promise<void> {
  const directory = join(file, "..");
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // Tightening our own directory is safe; one owned by someone else is refused, never written to.
  if (unsafeCache(statSync(directory), "directory") === "mode") chmodSync(directory, 0o700);
  checkPrivate(directory, statSync(directory), "directory");
  const temporary = `${file}.${process.pid}.tmp`;
  const descriptor = openSync(temporary, "wx", 0o600);
  try {
    writeFileSync(descriptor, `${JSON.stringify(session, null, 2)}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export async function deleteSession(file: string): Promise<boolean> {
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
