import type { Stats } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const CACHE_DIR_ENV = "IAM_API_CACHE_DIR";

/** The directory this CLI owns for cached sessions, kept at mode 0700: the platform's per-user cache. */
export function cacheDirectory(env: NodeJS.ProcessEnv): string {
  if (env[CACHE_DIR_ENV]) return env[CACHE_DIR_ENV];
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "iam-api");
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "iam-api");
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "iam-api");
  return join(homedir(), ".cache", "iam-api");
}

/**
 * Why another local user could have planted or read something in the cache: it belongs to them, or
 * its mode lets them write (a directory) or read and write (a file). POSIX only: Windows has no mode
 * bits or uids here, and %LOCALAPPDATA% is the user's own by its ACL.
 */
export function unsafeCache(stats: Stats, kind: "directory" | "file"): "owner" | "mode" | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return "owner";
  return (kind === "directory" ? stats.mode & 0o022 : stats.mode & 0o077) ? "mode" : undefined;
}
