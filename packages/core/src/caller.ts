import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { HttpError } from "./http";
import { thisIdentityPoolId } from "./identity-pool";

/**
 * What API Gateway puts in `requestContext.authorizer.iam.cognitoIdentity` for a request signed
 * with identity pool credentials. `@types/aws-lambda` types it as `null`; it is null only for
 * other IAM callers (an IAM user, a role outside the identity pool).
 */
export interface CognitoIdentity {
  identityId: string;
  identityPoolId: string;
  /** e.g. `["authenticated", "cognito-idp.<region>.amazonaws.com/<pool>", "…:CognitoSignIn:<sub>"]`. */
  amr: string[];
}

export interface Caller extends CognitoIdentity {
  /** How the caller signed in: the user pool's provider name, or a federated one (`api.twitter.com`, an Auth0 domain…). */
  provider: string;
}

/** `<region>:<uuid>`, the only shape Cognito issues; anything else must never reach an S3 key. */
const IDENTITY_ID = /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const NOT_A_COGNITO_CALLER =
  "This route needs a signed-in Cognito identity: sign the request with the temporary credentials the identity pool issues (see the README, `login` then `call`).";

const FOREIGN_IDENTITY_POOL =
  "This API accepts only identities of its own identity pool: sign in through this app (see the README, `login` then `call`).";

/**
 * The Cognito identity of this app's identity pool that signed this request, or a 403 if there is
 * none. IAM already limits the API to this app's authenticated role; the pool check also refuses an
 * identity of another pool whose role someone, some day, lets invoke this API.
 */
export function cognitoCaller(event: APIGatewayProxyEventV2, identityPoolId = thisIdentityPoolId()): Caller {
  const identity = (event as { requestContext?: { authorizer?: { iam?: { cognitoIdentity?: unknown } } } } | null)
    ?.requestContext?.authorizer?.iam?.cognitoIdentity;
  if (!isCognitoIdentity(identity)) throw new HttpError(403, NOT_A_COGNITO_CALLER);
  if (identity.identityPoolId !== identityPoolId) throw new HttpError(403, FOREIGN_IDENTITY_POOL);
  if (!identity.amr.includes("authenticated")) {
    throw new HttpError(403, "Guest identities may not call this route: sign in first.");
  }
  const provider = identity.amr.find((entry) => entry !== "authenticated" && entry !== "unauthenticated");
  return {
    identityId: identity.identityId,
    identityPoolId: identity.identityPoolId,
    amr: identity.amr,
    provider: provider?.split(":")[0] ?? "unknown",
  };
}

function isCognitoIdentity(value: unknown): value is CognitoIdentity {
  if (typeof value !== "object" || value === null) return false;
  const { identityId, identityPoolId, amr } = value as Record<string, unknown>;
  return (
    typeof identityId === "string" &&
    IDENTITY_ID.test(identityId) &&
    typeof identityPoolId === "string" &&
    identityPoolId.length > 0 &&
    Array.isArray(amr) &&
    amr.every((entry) => typeof entry === "string")
  );
}
