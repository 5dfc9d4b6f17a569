import { useEffect, useRef, useState } from "react";
import { getPrivate, type PrivateAnswer } from "./api";
import { forgetSession, signOutAndForget } from "./auth";
import { signedIdentity } from "./credentials";
import { Alert } from "./Field";
import { Files } from "./Files";
import { useTask } from "./task";

/** Who you are to AWS, what the API says to a signed call, and your files. */
export function SignedIn({ email, onSignedOut }: { email: string; onSignedOut: (error?: string) => void }) {
  const [identityId, setIdentityId] = useState<string>();
  const [answer, setAnswer] = useState<PrivateAnswer>();
  // A sign-in that is gone, from any call on this page: forget it and go back to signing in, saying why.
  const task = useTask({
    onSessionExpired: (failure) => {
      forgetSession().then(() => onSignedOut(failure.message));
    },
  });
  const { fail } = task;
  const heading = useRef<HTMLHeadingElement>(null);

  // The form that had focus is gone: a screen reader hears where it now is.
  useEffect(() => heading.current?.focus(), []);

  useEffect(() => {
    let current = true;
    // Credentials first, then the calls that use them: one GetCredentialsForIdentity, not one per call.
    signedIdentity()
      .then(async (identity) => {
        if (!current) return;
        setIdentityId(identity.identityId);
        const privateAnswer = await getPrivate();
        if (current) setAnswer(privateAnswer);
      })
      .catch((failure) => current && fail(failure));
    return () => {
      current = false;
    };
  }, [fail]);

  const signOut = () =>
    task.run(async () => {
      await signOutAndForget();
      onSignedOut();
    });

  return (
    <>
      <section>
        <div className="row">
          <h2 ref={heading} tabIndex={-1}>
            Signed in
          </h2>
          <button type="button" onClick={signOut} disabled={task.busy}>
            Sign out
          </button>
        </div>
        <Alert message={task.error} />
        <dl>
          <dt>Email</dt>
          <dd>{email}</dd>
          <dt>Identity id</dt>
          <dd>{identityId ? <code>{identityId}</code> : "Getting your credentials…"}</dd>
          <dt>
            Signed call <code>GET /private</code>
          </dt>
          <dd>{answer ? <output>{answer.message}</output> : identityId ? "Calling the API…" : "—"}</dd>
        </dl>
      </section>
      {/* After the first signed call: if the API refuses it, one alert says why, not one per call. */}
      {answer && <Files reportTo={task} />}
    </>
  );
}
