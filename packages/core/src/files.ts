/** Every user's files live under this prefix, one folder per identity id. */
export const FILES_ROOT = "private/";

/** The key prefix that one identity owns: `private/<identityId>/`. */
export function ownFilesPrefix(identityId: string): string {
  return `${FILES_ROOT}${identityId}/`;
}

/**
 * The rule for a name a client gives one of its files: not empty, relative, no `..` segment, so the
 * key stays below its owner's prefix. (The IAM policy confines each user anyway; the rule keeps a
 * mistyped name from becoming a confusing AccessDenied.) Both clients apply it before any request.
 */
export function isFileName(name: string): boolean {
  return name !== "" && !name.startsWith("/") && !name.split("/").includes("..");
}

/** The key of one of the identity's own files, `private/<identityId>/<name>`; undefined when `name` breaks `isFileName`. */
export function ownFileKey(identityId: string, name: string): string | undefined {
  return isFileName(name) ? ownFilesPrefix(identityId) + name : undefined;
}
