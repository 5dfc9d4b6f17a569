/** Every user's files live under this prefix, one folder per identity id. */
export const FILES_ROOT = "private/";

/** The key prefix that one identity owns: `private/<identityId>/`. */
export function ownFilesPrefix(identityId: string): string {
  return `${FILES_ROOT}${identityId}/`;
}
