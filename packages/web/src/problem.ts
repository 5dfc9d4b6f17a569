/** A failure worded for the person using the page: one sentence, what happened then what to do. */
export class Problem extends Error {
  override name = "Problem";
}

/** The sign-in is gone (revoked, expired, signed out elsewhere): the page returns to signing in. */
export class SessionExpired extends Problem {
  override name = "SessionExpired";
}

/** What a step on this page says to do when the sign-in is gone. */
export const SIGN_IN_AGAIN = "sign in again";

export function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? "";
}

/** Any error as the one sentence the page's alert shows. */
export function alertText(error: unknown): string {
  if (error instanceof Problem) return error.message;
  const message = (error as Error)?.message ?? String(error);
  return `Something went wrong (${errorName(error) || "error"}: ${message.split("\n")[0]}): reload the page and try again.`;
}
