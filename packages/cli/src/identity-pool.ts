import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import { clientConfig, commonAwsError, errorName, unexpectedAwsError } from "./aws";
import { CliError } from "./cli-error";
import type { TemporaryCredentials } from "./session-store";

const SERVICE = "Cognito (identity pool)";

/** Provider name → token, as the identity pool's `Logins` parameter takes them. */
export type Logins = Record<string, string>;

/**
 * The enhanced (simplified) flow: GetId maps the sign-in to the user's identity id once, then
 * GetCredentialsForIdentity trades the same proof for the authenticated role's temporary credentials.
 * `refused` words the pool's refusal of the proof, whose remedy depends on how the user signed in.
 */
export async function identityCredentials(
  settings: { region: string; identityPool: string },
  logins: Logins,
  knownIdentityId: string | undefined,
  env: NodeJS.ProcessEnv,
  refused: (reason: string) => CliError,
): Promise<{ identityId: string; credentials: TemporaryCredentials }> {
  const client = new CognitoIdentityClient(clientConfig(settings.region, "cognitoIdentity", env));
  try {
    const identityId =
      knownIdentityId ??
      (await client.send(new GetIdCommand({ IdentityPoolId: settings.identityPool, Logins: logins }))).IdentityId;
    if (!identityId) throw new CliError("UnexpectedResponse", `${SERVICE} returned no identity id: retry in a moment.`);
    const { Credentials: issued } = await client.send(
      new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins }),
    );
    if (!issued?.AccessKeyId || !issued.SecretKey || !issued.SessionToken || !issued.Expiration) {
      throw new CliError("UnexpectedResponse", `${SERVICE} returned incomplete credentials: retry in a moment.`);
    }
    return {
      identityId,
      credentials: {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretKey,
        sessionToken: issued.SessionToken,
        expiresAt: issued.Expiration.getTime(),
      },
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Both name a token or provider the pool does not accept, e.g. "Invalid login token" or a provider that is not enabled.
    if (errorName(error) === "NotAuthorizedException" || errorName(error) === "InvalidParameterException") {
      throw refused((error as Error).message.split("\n")[0]);
    }
    throw commonAwsError(error, SERVICE) ?? unexpectedAwsError(error, SERVICE);
  }
}
