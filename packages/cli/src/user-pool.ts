import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from "@aws-sdk/client-cognito-identity-provider";
import { createSrpSession, signSrpSession, wrapAuthChallenge, wrapInitiateAuth } from "cognito-srp-helper";
import { sessionExpired, userNotConfirmed, weakPassword, wrongPassword } from "@iam-auth-api/client/messages";
import { clientConfig, commonAwsError, errorName, unexpectedAwsError } from "./aws";
import { CliError } from "./cli-error";
import { DEFAULT_INVOCATION, type Invocation, orAdmin } from "./invocation";
import type { UserPoolSignIn } from "./session-store";

const SERVICE = "Cognito (user pool)";

export interface UserPoolSettings {
  region: string;
  userPool: string;
  userPoolClient: string;
  /** How the CLI was run, for the commands its errors suggest (the plain `iam-api` without). */
  invocation?: Invocation;
}

/** `iam-api <args>` as this run was invoked (`--local`, `--outputs <file>`). */
function cli(settings: UserPoolSettings, args: string): string {
  return (settings.invocation ?? DEFAULT_INVOCATION).command(args);
}

/** Every call in this module is one Cognito accepts without AWS credentials, except `adminConfirmSignUp`; verify sends its admin calls with it too. */
export function userPoolClient(region: string, env: NodeJS.ProcessEnv): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient(clientConfig(region, "cognitoIdp", env));
}

export async function signUp(
  settings: UserPoolSettings,
  email: string,
  password: string,
  env: NodeJS.ProcessEnv,
): Promise<{ confirmed: boolean; codeSentTo?: string }> {
  try {
    const result = await userPoolClient(settings.region, env).send(
      new SignUpCommand({
        ClientId: settings.userPoolClient,
        Username: email,
        Password: password,
        UserAttributes: [{ Name: "email", Value: email }],
      }),
    );
    return { confirmed: result.UserConfirmed ?? false, codeSentTo: result.CodeDeliveryDetails?.Destination };
  } catch (error) {
    throw cognitoFailure(settings, error, email, "SignUp", {
      UsernameExistsException: () =>
        new CliError(
          "UserExists",
          `An account for ${email} already exists: log in with \`${cli(settings, `login ${email}`)}\` (or confirm it first).`,
        ),
      InvalidPasswordException: () =>
        new CliError(
          "WeakPassword",
          weakPassword(
            (error as Error).message,
            `run \`${cli(settings, `signup ${email}`)}\` again with a stronger one`,
          ),
        ),
    });
  }
}

export async function confirmSignUp(
  settings: UserPoolSettings,
  email: string,
  code: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  try {
    await userPoolClient(settings.region, env).send(
      new ConfirmSignUpCommand({ ClientId: settings.userPoolClient, Username: email, ConfirmationCode: code }),
    );
  } catch (error) {
    throw cognitoFailure(settings, error, email, "ConfirmSignUp", {
      CodeMismatchException: () =>
        new CliError(
          "WrongCode",
          `That confirmation code is not the one sent to ${email}: check the latest email and retry.`,
        ),
      ExpiredCodeException: () =>
        new CliError(
          "ExpiredCode",
          `The confirmation code for ${email} has expired: sign up again to get a new one, or use \`confirm ${email} --admin\`.`,
        ),
    });
  }
}

/** As the guide's `aws cognito-idp admin-confirm-sign-up`: signed with the caller's own AWS credentials. */
export async function adminConfirmSignUp(
  settings: UserPoolSettings,
  email: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  try {
    await userPoolClient(settings.region, env).send(
      new AdminConfirmSignUpCommand({ UserPoolId: settings.userPool, Username: email }),
    );
  } catch (error) {
    throw cognitoFailure(settings, error, email, "AdminConfirmSignUp", {
      CredentialsProviderError: () =>
        new CliError(
          "NoAwsCredentials",
          "`confirm --admin` signs with your own AWS credentials (the deployer's) and found none: set AWS_PROFILE or log in with the AWS CLI, or confirm with the emailed code.",
        ),
      AccessDeniedException: () =>
        new CliError(
          "AccessDenied",
          `Your AWS credentials may not call cognito-idp:AdminConfirmSignUp on ${settings.userPool}: use the credentials you deployed with.`,
        ),
      UserNotFoundException: () =>
        new CliError(
          "UserNotFound",
          `There is no user ${email} in ${settings.userPool}: run \`${cli(settings, `signup ${email}`)}\` first.`,
        ),
      NotAuthorizedException: () =>
        new CliError("AlreadyConfirmed", `${email} cannot be confirmed: ${(error as Error).message}`),
    });
  }
}

/** Secure Remote Password sign-in: Cognito receives a proof of the password, never the password. */
export async function signInWithSrp(
  settings: UserPoolSettings,
  email: string,
  password: string,
  env: NodeJS.ProcessEnv,
): Promise<UserPoolSignIn> {
  const client = userPoolClient(settings.region, env);
  try {
    const srp = createSrpSession(email, password, settings.userPool, false);
    const challenge = await client.send(
      new InitiateAuthCommand(
        wrapInitiateAuth(srp, {
          ClientId: settings.userPoolClient,
          AuthFlow: "USER_SRP_AUTH",
          AuthParameters: { USERNAME: email },
        }),
      ),
    );
    if (challenge.ChallengeName !== "PASSWORD_VERIFIER") throw unsupportedChallenge(challenge.ChallengeName);
    const answer = await client.send(
      new RespondToAuthChallengeCommand(
        wrapAuthChallenge(signSrpSession(srp, challenge), {
          ClientId: settings.userPoolClient,
          ChallengeName: "PASSWORD_VERIFIER",
          ChallengeResponses: { USERNAME: challenge.ChallengeParameters!.USER_ID_FOR_SRP! },
          Session: challenge.Session,
        }),
      ),
    );
    if (!answer.AuthenticationResult) throw unsupportedChallenge(answer.ChallengeName);
    return toSignIn(email, answer.AuthenticationResult);
  } catch (error) {
    throw cognitoFailure(settings, error, email, "InitiateAuth", {
      NotAuthorizedException: () =>
        new CliError(
          "WrongPassword",
          wrongPassword(email, `sign up first with \`${cli(settings, `signup ${email}`)}\``),
        ),
      UserNotConfirmedException: () =>
        new CliError(
          "UserNotConfirmed",
          userNotConfirmed(
            email,
            `run \`${cli(settings, `confirm ${email} <code>`)}\` with the emailed code ${orAdmin(settings.invocation ?? DEFAULT_INVOCATION)}`,
          ),
        ),
      PasswordResetRequiredException: () =>
        new CliError(
          "PasswordResetRequired",
          `Cognito requires a password reset for ${email}: reset it, then log in again.`,
        ),
    });
  }
}

/** New id and access tokens from the refresh token; Cognito keeps the refresh token unless it rotates it. */
export async function refreshSignIn(
  settings: UserPoolSettings,
  signIn: UserPoolSignIn,
  env: NodeJS.ProcessEnv,
): Promise<UserPoolSignIn> {
  try {
    const result = await userPoolClient(settings.region, env).send(
      new InitiateAuthCommand({
        ClientId: settings.userPoolClient,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: signIn.refreshToken },
      }),
    );
    return toSignIn(signIn.username, { RefreshToken: signIn.refreshToken, ...result.AuthenticationResult });
  } catch (error) {
    throw cognitoFailure(settings, error, signIn.username, "InitiateAuth", {
      NotAuthorizedException: () => logInAgain(settings, signIn.username),
    });
  }
}

export async function revokeRefreshToken(
  settings: UserPoolSettings,
  signIn: UserPoolSignIn,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  try {
    await userPoolClient(settings.region, env).send(
      new RevokeTokenCommand({ ClientId: settings.userPoolClient, Token: signIn.refreshToken }),
    );
  } catch (error) {
    throw cognitoFailure(settings, error, signIn.username, "RevokeToken", {});
  }
}

export function logInAgain(settings: UserPoolSettings, username: string): CliError {
  return new CliError("SessionExpired", sessionExpired(`log in again with \`${cli(settings, `login ${username}`)}\``));
}

function toSignIn(username: string, result: AuthenticationResultType): UserPoolSignIn {
  const { IdToken, AccessToken, RefreshToken, ExpiresIn } = result;
  if (!IdToken || !AccessToken || !RefreshToken || !ExpiresIn) {
    throw new CliError(
      "UnexpectedResponse",
      `${SERVICE} returned no tokens: retry, or report this with the output of \`iam-api config\`.`,
    );
  }
  return {
    method: "userPool",
    username,
    idToken: IdToken,
    accessToken: AccessToken,
    refreshToken: RefreshToken,
    tokensExpireAt: Date.now() + ExpiresIn * 1000,
  };
}

function unsupportedChallenge(name: string | undefined): CliError {
  return new CliError(
    "UnsupportedChallenge",
    `Cognito asked for the ${name ?? "unknown"} challenge, which this CLI does not handle: finish sign-in in another client, then retry.`,
  );
}

/** A user-pool failure as the CliError the user sees: the operation's own cases first, then the common ones. */
function cognitoFailure(
  settings: UserPoolSettings,
  error: unknown,
  email: string,
  operation: string,
  specific: Record<string, () => CliError>,
): CliError {
  if (error instanceof CliError) return error;
  const name = errorName(error);
  if (specific[name]) return specific[name]();
  if (name === "UserNotFoundException")
    return new CliError(
      "UserNotFound",
      `There is no user ${email}: run \`${cli(settings, `signup ${email}`)}\` first.`,
    );
  return commonAwsError(error, SERVICE, operation) ?? unexpectedAwsError(error, SERVICE);
}
