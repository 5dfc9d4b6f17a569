import { homedir } from "node:os";
import { join } from "node:path";

export const CACHE_DIR_ENV = "IAM_API_CACHE_DIR";

/** The directory this CLI owns for cached sessions, kept at mode 0700: the platform's per-user cache. */
export function cacheDirectory(env: NodeJS.ProcessEnv, platform = process.platform): string {
  if (env[CACHE_DIR_ENV]) return env[CACHE_DIR_ENV];
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "iam-api");
  if (platform === "darwin") return join(homedir(), "Library", "Caches", "iam-api");
  if (platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "iam-api");
  return join(homedir(), ".cache", "iam-api");
}
