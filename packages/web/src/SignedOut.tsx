import { passwordRule } from "@iam-auth-api/client/password-policy";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import {
  confirmEmail,
  resendConfirmationCode,
  resetPasswordWithCode,
  sendPasswordResetCode,
  signInWithPassword,
  signUpWithEmail,
  unconfirmed,
} from "./auth";
import { Alert, Field, Status } from "./Field";
import { useTask } from "./task";

const PASSWORD_RULE = passwordRule();

type Step = "credentials" | "confirm" | "reset";

/** Sign in, sign up, confirm the email, reset a forgotten password: one form at a time, one email throughout. */
export function SignedOut({
  error: initialError,
  onSignedIn,
}: {
  error?: string;
  onSignedIn: (email: string) => void;
}) {
  const [step, setStep] = useState<Step>("credentials");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [notice, setNotice] = useState<string>();
  const { busy, error, setError, run } = useTask({ error: initialError });
  const emailInput = useRef<HTMLInputElement>(null);

  const act = (task: () => Promise<void>) => {
    setNotice(undefined);
    return run(task);
  };
  const goTo = (next: Step, message?: string) => {
    setCode("");
    setNewPassword("");
    setStep(next);
    setNotice(message);
  };

  function submitCredentials(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const action = ((event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
    if (action === "sign-up") {
      return act(async () => {
        if (await signUpWithEmail(email, password)) goTo("confirm", `We emailed a confirmation code to ${email}.`);
        else setNotice(`Signed up ${email}: sign in with your password.`);
      });
    }
    return act(async () => {
      if ((await signInWithPassword(email, password)) === "signedIn") return onSignedIn(email);
      goTo("confirm");
      throw unconfirmed(email);
    });
  }

  function forgotPassword() {
    if (!emailInput.current?.checkValidity()) {
      setError("Enter your email address, then choose Forgot password? again.");
      emailInput.current?.focus();
      return;
    }
    return act(async () => {
      await sendPasswordResetCode(email);
      goTo("reset", `If ${email} has an account, we emailed it a code to reset the password.`);
    });
  }

  /** The confirm and reset steps: a form around the code we emailed, which can send a new one or go back. */
  const codeForm = ({
    title,
    intro,
    submitLabel,
    submit,
    resend,
    children,
  }: {
    title: string;
    intro: string;
    submitLabel: string;
    submit: () => Promise<void>;
    resend: (email: string) => Promise<void>;
    children?: ReactNode;
  }) => (
    <form
      aria-busy={busy}
      onSubmit={(event) => {
        event.preventDefault();
        act(submit);
      }}
    >
      <h2>{title}</h2>
      <p>{intro}</p>
      <Alert message={error} />
      <Status message={notice} />
      <Field
        label="Confirmation code"
        value={code}
        onChange={(event) => setCode(event.target.value.trim())}
        required
        autoFocus
        autoComplete="one-time-code"
        inputMode="numeric"
      />
      {children}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            act(async () => {
              await resend(email);
              setNotice(`We emailed a new code to ${email}.`);
            })
          }
        >
          Resend code
        </button>
        <button type="button" className="quiet" onClick={() => goTo("credentials")}>
          Back
        </button>
      </div>
    </form>
  );

  if (step === "confirm") {
    return codeForm({
      title: "Confirm your email",
      intro: `Enter the code we emailed to ${email}.`,
      submitLabel: "Confirm",
      submit: async () => {
        await confirmEmail(email, code);
        goTo("credentials", `${email} is confirmed: sign in with your password.`);
      },
      resend: resendConfirmationCode,
    });
  }

  if (step === "reset") {
    return codeForm({
      title: "Reset your password",
      intro: `Enter the code we emailed to ${email}, and a new password.`,
      submitLabel: "Reset password",
      submit: async () => {
        await resetPasswordWithCode(email, code, newPassword);
        setPassword("");
        goTo("credentials", "Your password is reset: sign in with the new one.");
      },
      resend: sendPasswordResetCode,
      children: (
        <Field
          label="New password"
          hint={PASSWORD_RULE}
          type="password"
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          required
          autoComplete="new-password"
        />
      ),
    });
  }

  return (
    <form aria-busy={busy} onSubmit={submitCredentials}>
      <h2>Sign in or sign up</h2>
      <Alert message={error} />
      <Status message={notice} />
      <Field
        label="Email"
        ref={emailInput}
        type="email"
        value={email}
        onChange={(event) => setEmail(event.target.value.trim())}
        required
        autoFocus
        autoComplete="username"
      />
      <Field
        label="Password"
        hint={PASSWORD_RULE}
        type="password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        required
        autoComplete="current-password"
      />
      <div className="actions">
        <button type="submit" value="sign-in" disabled={busy}>
          Sign in
        </button>
        <button type="submit" value="sign-up" disabled={busy}>
          Sign up
        </button>
        <button type="button" className="quiet" disabled={busy} onClick={forgotPassword}>
          Forgot password?
        </button>
      </div>
    </form>
  );
}
