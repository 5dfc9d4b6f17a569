import { useCallback, useEffect, useState } from "react";
import { currentEmail } from "./auth";
import { Alert } from "./Field";
import { alertText } from "./problem";
import { SignedIn } from "./SignedIn";
import { SignedOut } from "./SignedOut";

type Phase = { name: "loading" } | { name: "signedOut"; error?: string } | { name: "signedIn"; email: string };

export function App() {
  const [phase, setPhase] = useState<Phase>({ name: "loading" });

  useEffect(() => {
    // The session Amplify stored survives a reload; an unusable one is forgotten with an alert.
    currentEmail().then(
      (email) => setPhase(email ? { name: "signedIn", email } : { name: "signedOut" }),
      (error) => setPhase({ name: "signedOut", error: alertText(error) }),
    );
  }, []);

  const onSignedIn = useCallback((email: string) => setPhase({ name: "signedIn", email }), []);
  const onSignedOut = useCallback((error?: string) => setPhase({ name: "signedOut", error }), []);

  return (
    <main>
      <h1>IAM auth API</h1>
      {phase.name === "loading" && <p>Loading…</p>}
      {phase.name === "signedOut" && <SignedOut error={phase.error} onSignedIn={onSignedIn} />}
      {phase.name === "signedIn" && <SignedIn email={phase.email} onSignedOut={onSignedOut} />}
    </main>
  );
}

/** A build without its settings: say which are missing and how to provide them. */
export function MissingSettings({ names }: { names: string[] }) {
  return (
    <main>
      <h1>IAM auth API</h1>
      <Alert
        message={`This build lacks ${names.join(", ")}: run \`npx iam-api config --format env > packages/web/.env.local\` after deploying a stage, then restart the dev server or build again.`}
      />
    </main>
  );
}
