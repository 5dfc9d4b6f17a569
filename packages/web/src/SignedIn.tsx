import { useCallback, useEffect, useRef, useState } from "react";
import { getPrivate, type PrivateAnswer } from "./api";
import { forgetSession, signOutAndForget } from "./auth";
import { forgetSigners, signedIdentity } from "./credentials";
import { Alert } from "./Field";
import { Files } from "./Files";
import { describe, SessionExpired } from "./problem";

/** Who you are to AWS, what the API says to a signed call, and your files. */
export function SignedIn({ email, onSignedOut }: { email: string; onSignedOut: (error?: string) => void }) {
  const [identityId, setIdentityId] = useState<string>();
  const [answer, setAnswer] = useState<PrivateAnswer>();
  const [error, setError] = useState<string>();
  const [signingOut, setSigningOut] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // The form that had focus is gone: a screen reader hears where it now is.
  useEffect(() => heading.current?.focus(), []);

  const report = useCallback(
    (failure: unknown) => {
      if (failure instanceof SessionExpired) {
        forgetSigners();
        forgetSession().then(() => onSignedOut(failure.message));
        return;
      }
      setError(describe(failure));
    },
    [onSignedOut],
  );
  const clearError = useCallback(() => setError(undefined), []);

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
      .catch((failure) => current && report(failure));
    return () => {
      current = false;
    };
  }, [report]);

  async function signOut() {
    setSigningOut(true);
    try {
      await signOutAndForget();
      forgetSigners();
      onSignedOut();
    } catch (failure) {
      setError(describe(failure));
      setSigningOut(false);
    }
  }

  return (
    <>
      <section>
        <div className="row">
          <h2 ref={heading} tabIndex={-1}>
            Signed in
          </h2>
          <button type="button" onClick={signOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
        <Alert message={error} />
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
      {answer && <Files report={report} clearError={clearError} />}
    </>
  );
}
