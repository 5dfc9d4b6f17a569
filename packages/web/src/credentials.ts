import { sessionExpired } from "@iam-auth-api/client/messages";
import { needsRenewal } from "@iam-auth-api/client/renewal";
import { fetchAuthSession } from "aws-amplify/auth";
import { cognitoCredentialsProvider } from "aws-amplify/auth/cognito";
import { AwsClient } from "aws4fetch";
import { errorName, Problem, SessionExpired, SIGN_IN_AGAIN } from "./problem";
import { settings } from "./settings";

/** Attempts per signed request, the first included: 5xx and 429 answers are retried with backoff (as the CLI's). */
const MAX_ATTEMPTS = 3;

export interface SignedIdentity {
  identityId: string;
  /** Signs for API Gateway (service execute-api). */
  api: AwsClient;
  /** Signs for S3. */
  s3: AwsClient;
}

let signers: { accessKeyId: string; identity: SignedIdentity } | undefined;

/**
 * The signed-in identity and signers holding its temporary AWS credentials. Amplify keeps the
 * credentials in memory and reuses them (a warm call is one request), and refreshes the tokens
 * when they expire.
 */
export async function signedIdentity(): Promise<SignedIdentity> {
  let session = await authSession();
  if (session.credentials && needsRenewal(session.credentials.expiration)) {
    // Amplify 6.22.1 reuses credentials for 50 minutes whatever their lifetime. Dropping them alone
    // renews them with the current id token (one GetCredentialsForIdentity); `forceRefresh` would
    // refresh the tokens as well.
    await cognitoCredentialsProvider.clearCredentials();
    session = await authSession();
  }
  const { credentials, identityId } = session;
  if (!credentials || !identityId) throw new SessionExpired(sessionExpired(SIGN_IN_AGAIN));
  if (signers?.accessKeyId !== credentials.accessKeyId) {
    const signer = (service: string) =>
      new AwsClient({ ...credentials, service, region: settings.region, retries: MAX_ATTEMPTS - 1 });
    signers = {
      accessKeyId: credentials.accessKeyId,
      identity: { identityId, api: signer("execute-api"), s3: signer("s3") },
    };
  }
  return signers.identity;
}

/**
 * Amplify's session (tokens refreshed if they expired, credentials if due), failures worded for the
 * page. A sign-in Cognito no longer accepts comes back without tokens (Amplify clears them) or, from
 * the identity pool, as NotAuthorizedException; other failures leave the stored tokens for a retry.
 */
export async function authSession() {
  try {
    return await fetchAuthSession();
  } catch (error) {
    const name = errorName(error);
    if (name === "NetworkError")
      throw new Problem(
        "Could not reach Cognito to renew your sign-in: check your network connection, then try again.",
      );
    if (name.startsWith("NotAuthorizedException")) throw new SessionExpired(sessionExpired(SIGN_IN_AGAIN));
    throw new Problem(`Cognito could not renew your sign-in (${name || "error"}): try again in a moment.`);
  }
}

/** Drops the signers with the credentials they hold; the sign-outs in auth.ts call it after Amplify's `signOut`. */
export function forgetSigners(): void {
  signers = undefined;
}
