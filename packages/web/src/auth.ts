import {
  EMAIL_SENDING_OPERATIONS,
  emailQuotaReached,
  sessionExpired,
  throttled,
  userNotConfirmed,
  weakPassword,
  wrongPassword,
} from "@iam-auth-api/client/messages";
import { Amplify } from "aws-amplify";
import {
  confirmResetPassword,
  confirmSignUp,
  resendSignUpCode,
  resetPassword,
  signIn,
  signOut,
  signUp,
} from "aws-amplify/auth";
import { Hub } from "aws-amplify/utils";
import { authSession, forgetSigners } from "./credentials";
import { errorName, Problem, SessionExpired, SIGN_IN_AGAIN } from "./problem";
import { settings } from "./settings";

/** Amplify v6 against this app's own pools (no Amplify backend); tokens persist in localStorage, Amplify's default. */
export function configureAuth(): void {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: settings.userPoolId,
        userPoolClientId: settings.userPoolClientId,
        identityPoolId: settings.identityPoolId,
        loginWith: { email: true },
        signUpVerificationMethod: "code",
        // Test only (loopback doubles), as the CLI's IAM_API_TEST_ENDPOINT_*: read right here so that in a
        // real build, where Vite makes each `undefined`, the minifier drops the branch and the names.
        ...(import.meta.env.VITE_TEST_ENDPOINT_COGNITO_IDP && {
          userPoolEndpoint: import.meta.env.VITE_TEST_ENDPOINT_COGNITO_IDP,
        }),
        ...(import.meta.env.VITE_TEST_ENDPOINT_COGNITO_IDENTITY && {
          identityPoolEndpoint: import.meta.env.VITE_TEST_ENDPOINT_COGNITO_IDENTITY,
        }),
      },
    },
  });
}

const CONFIRM = "enter the code from the email below, or choose Resend code";
const RESET = "choose Forgot password? to reset it";

type Operation =
  | "SignUp"
  | "ConfirmSignUp"
  | "ResendConfirmationCode"
  | "SignIn"
  | "ForgotPassword"
  | "ConfirmForgotPassword";

/** Cognito's refusals as the page words them; the CLI words the same cases from the same messages. */
function cognitoProblem(error: unknown, operation: Operation, email: string): Problem {
  const name = errorName(error);
  const message = (error as Error)?.message ?? "";
  const problem = (text: string) => new Problem(text);
  switch (name) {
    case "NotAuthorizedException":
      if (/attempts exceeded/i.test(message)) return problem(throttled("Cognito", "PasswordAttemptsExceeded"));
      return problem(wrongPassword(email, RESET));
    case "UserNotConfirmedException":
      return problem(userNotConfirmed(email, CONFIRM));
    case "InvalidPasswordException":
      return problem(weakPassword(message));
    case "UsernameExistsException":
      return problem(`An account for ${email} already exists: sign in, or ${RESET}.`);
    case "CodeMismatchException":
      return problem(`That confirmation code is not the one sent to ${email}: check the latest email and try again.`);
    case "ExpiredCodeException":
      return problem(`That confirmation code has expired: choose Resend code to get a new one.`);
    case "LimitExceededException":
      if ((EMAIL_SENDING_OPERATIONS as readonly string[]).includes(operation)) return problem(emailQuotaReached());
      return problem(throttled("Cognito", name));
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
      return problem(throttled("Cognito", name));
    case "InvalidParameterException":
      return problem(`Cognito refused the form (${message.replace(/\.$/, "")}): correct it and try again.`);
    case "NetworkError":
      return problem("Could not reach Cognito: check your network connection, then try again.");
    case "UserAlreadyAuthenticatedException":
      // A stored sign-in that could not be renewed for a passing reason (see currentEmail).
      return problem("This browser is still signed in: reload the page.");
  }
  return problem(
    `Cognito refused ${operation} (${name || "error"}: ${message.replace(/\.$/, "")}): try again, or reload the page.`,
  );
}

async function cognito<T>(operation: Operation, email: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw cognitoProblem(error, operation, email);
  }
}

/** Creates the account; true when its email must be confirmed with a code before signing in. */
export async function signUpWithEmail(email: string, password: string): Promise<boolean> {
  const { nextStep } = await cognito("SignUp", email, () =>
    signUp({ username: email, password, options: { userAttributes: { email } } }),
  );
  return nextStep.signUpStep === "CONFIRM_SIGN_UP";
}

export async function confirmEmail(email: string, code: string): Promise<void> {
  await cognito("ConfirmSignUp", email, () => confirmSignUp({ username: email, confirmationCode: code }));
}

export async function resendConfirmationCode(email: string): Promise<void> {
  await cognito("ResendConfirmationCode", email, () => resendSignUpCode({ username: email }));
}

/** SRP sign-in (Amplify's default flow): the password never leaves the browser. */
export async function signInWithPassword(email: string, password: string): Promise<"signedIn" | "unconfirmed"> {
  const { nextStep } = await cognito("SignIn", email, () => signIn({ username: email, password }));
  if (nextStep.signInStep === "DONE") return "signedIn";
  if (nextStep.signInStep === "CONFIRM_SIGN_UP") return "unconfirmed";
  // This pool has no MFA and no admin-created users, so no other step should come back.
  throw new Problem(
    `Cognito asked for a sign-in step this page does not offer (${nextStep.signInStep}): sign in with the iam-api CLI instead.`,
  );
}

export function unconfirmed(email: string): Problem {
  return new Problem(userNotConfirmed(email, CONFIRM));
}

export async function sendPasswordResetCode(email: string): Promise<void> {
  await cognito("ForgotPassword", email, () => resetPassword({ username: email }));
}

export async function resetPasswordWithCode(email: string, code: string, newPassword: string): Promise<void> {
  await cognito("ConfirmForgotPassword", email, () =>
    confirmResetPassword({ username: email, confirmationCode: code, newPassword }),
  );
}

/**
 * The signed-in person's email, from the session stored in this browser; undefined when nobody
 * signed in here. A stored sign-in Cognito refuses to renew (revoked, or the refresh token expired)
 * is forgotten, with the alert that says to sign in again.
 */
export async function currentEmail(): Promise<string | undefined> {
  let refreshRefused = false;
  // Amplify tells a refused refresh apart from no session only by this event: both leave no tokens.
  const stopListening = Hub.listen("auth", ({ payload }) => {
    if (payload.event === "tokenRefresh_failure") refreshRefused = true;
  });
  try {
    const email = (await authSession()).tokens?.idToken?.payload.email;
    if (typeof email === "string") return email;
    if (!refreshRefused) return undefined;
    throw new SessionExpired(sessionExpired(SIGN_IN_AGAIN));
  } catch (error) {
    if (error instanceof SessionExpired) await forgetSession();
    throw error;
  } finally {
    stopListening();
  }
}

/**
 * Revokes the refresh token at Cognito, then forgets the tokens and the AWS credentials: Amplify's
 * copies and the signers holding them. If revoking fails, the session stays usable for a retry.
 */
export async function signOutAndForget(): Promise<void> {
  await signOut();
  forgetSigners();
}

/**
 * Forgets a session that can no longer be used, tokens and AWS credentials alike; revoking may fail
 * when it has already been revoked.
 */
export async function forgetSession(): Promise<void> {
  await signOut().catch(() => undefined);
  forgetSigners();
}
