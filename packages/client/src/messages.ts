/**
 * The error wording every client shows: one sentence each, what happened then what to do. Where the
 * remedy is an action in the client (sign in again, confirm, list files), the client passes its own
 * words for it: the CLI a command (`log in again with \`iam-api login me@example.com\``), the web
 * client a step on the page (`sign in again`).
 */

/** Wrong password, or no such user: Cognito does not say which, and neither do we. */
export function wrongPassword(email: string, orSignUp: string): string {
  return `Incorrect email or password for ${email}: check both, or ${orSignUp}.`;
}

export function userNotConfirmed(email: string, confirm: string): string {
  return `${email} is not confirmed yet: ${confirm}.`;
}

/** Cognito's own rule, from its InvalidPasswordException message, so the user reads the pool's real policy. */
export function weakPassword(cognitoMessage: string, then = "choose a stronger one"): string {
  const rule = cognitoMessage.replace(/^Password did not conform with policy:\s*/i, "").replace(/\.$/, "");
  return `The user pool refused that password (${rule}): ${then}.`;
}

export function sessionExpired(signInAgain: string): string {
  return `Your sign-in has expired or was revoked: ${signInAgain}.`;
}

/** Too many requests per second: a short wait fixes it. */
export function throttled(service: string, errorName: string): string {
  return `${service} is throttling requests (${errorName}): wait a minute, then try again.`;
}

/**
 * Cognito's `LimitExceededException` on sign-up or resending a code: not request throttling but the
 * quota of emails Cognito's own sender may send, which only time or the stage's SES settings lift.
 */
export function emailQuotaReached(): string {
  return "Cognito has sent as many confirmation emails as its quota allows for now (LimitExceededException): try again in a few hours, or configure SES for this stage (SES_FROM_ADDRESS and SES_IDENTITY_ARN, README section on email) and deploy.";
}

/** The operations on which Cognito's `LimitExceededException` means the email quota rather than a request rate. */
export const EMAIL_SENDING_OPERATIONS = ["SignUp", "ResendConfirmationCode", "ForgotPassword"] as const;

/** A signed call the API refused: credentials from elsewhere, usually. `apiSaid` is the API's own message. */
export function apiForbidden(request: string, apiSaid: string | undefined, signInAgain: string): string {
  return `The API refused ${request} (403${apiSaid ? `: ${apiSaid}` : ""}): the client's settings may belong to another stage or region, or the sign-in to another app; ${signInAgain}.`;
}

/** An unsigned call (no session) to a route that needs a signature. */
export function apiNeedsSignIn(request: string, signIn: string): string {
  return `The API answered 403 to ${request}, which needs a signed-in caller: ${signIn}.`;
}

/** Any other failed API call, with the API's own message when its body had one, and the attempts made when retried. */
export function apiFailed(request: string, status: string, apiSaid: string | undefined, attempts = 1): string {
  return `${request} failed with HTTP ${status}${attempts > 1 ? ` after ${attempts} attempts` : ""}${apiSaid ? `: ${apiSaid}` : ""}.`;
}

/** Throttled (429) even after the retries: only time helps. */
export function apiThrottled(request: string, apiSaid: string | undefined, attempts = 1): string {
  return `The API is throttling requests (429 to ${request}${attempts > 1 ? ` after ${attempts} attempts` : ""}${apiSaid ? `: ${apiSaid}` : ""}): wait a minute, then try again.`;
}

/**
 * S3 answers 403, not 404, for a key that does not exist when the caller may list only under a
 * prefix condition (this app's policy); a listing of the caller's own prefix tells the two apart.
 */
export function noSuchFile(name: string, listHint: string): string {
  return `There is no file named ${name} in your files (${listHint}).`;
}

/** A real S3 denial: the bucket or the credentials belong to another stage or app. */
export function storageDenied(bucket: string, reason: string, signInAgain: string): string {
  return `S3 refused ${reason} to bucket ${bucket}: the client's settings may belong to another stage or region, or the sign-in to another app; ${signInAgain}.`;
}

/** The `message` or `error` field of an API's JSON error body (API Gateway and this app's handlers), if any. */
export function apiMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown; Message?: unknown };
    const message = parsed?.message ?? parsed?.error ?? parsed?.Message;
    // Without its final period: the message is quoted inside a sentence of ours.
    const text =
      typeof message === "string"
        ? message
            .replace(/\s+/g, " ")
            .replace(/[\s.]+$/, "")
            .trim()
        : "";
    return text || undefined;
  } catch {
    return undefined;
  }
}
