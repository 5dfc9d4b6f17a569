/**
 * The checks in the order a user meets the stage: the API from outside, the site, then two
 * throwaway users (sign-in, signed calls, CORS from the site, their files, what must be refused,
 * revocation). Whatever happens, `verify` then removes what it created.
 */
import { randomBytes } from "node:crypto";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import {
  copyRefused,
  corsForeignOrigins,
  corsSignedApiCall,
  corsUpload,
  deepArchiveRefused,
  deleteOwn,
  downloadSame,
  filesListsUpload,
  listOwn,
  otherUserCannotRead,
  presignedRefused,
  privateRefusedUnsigned,
  publicAnswers,
  revokedTokenRefused,
  siteServesApp,
  signedPrivate,
  upload,
  writeOutsideOwnPrefixRefused,
} from "./checks";
import type { Outcome } from "./report";
import { settle, settlingError } from "./settle";
import type { Stage } from "./stage";
import { createConfirmedUser, Ledger, removeCreated, type SignedInUser, signIn, throwawayUsers } from "./users";

export interface Run {
  outcomes: Outcome[];
  /** Set on Ctrl-C: the check under way finishes, no other starts. */
  interrupted: boolean;
}

class Interrupted extends Error {}

export async function verify(
  stage: Stage,
  run: Run,
  print: (outcome: Outcome) => void,
): Promise<{ removed: string[]; failures: string[] }> {
  const ledger = new Ledger();
  const record = (outcome: Outcome) => {
    run.outcomes.push(outcome);
    print(outcome);
  };
  const step = async (title: string, check: () => Promise<Outcome | Outcome[]>) => {
    if (run.interrupted) throw new Interrupted();
    try {
      for (const outcome of [await check()].flat()) record(outcome);
    } catch (error) {
      record({
        status: "fail",
        title,
        sent: "(not completed)",
        got: "error",
        problem: (error as Error).message.split("\n")[0],
      });
    }
  };
  try {
    await checkFromOutside(stage, step);
    const users = await signInThrowawayUsers(stage, ledger, step);
    if (users) await checkAsUsers(stage, ledger, users, step);
  } catch (error) {
    if (!(error instanceof Interrupted))
      record({
        status: "fail",
        title: "verify",
        sent: "(not completed)",
        got: "error",
        problem: (error as Error).message,
      });
  }
  // Reached on success, failure and Ctrl-C alike.
  return removeCreated(stage, ledger);
}

type Step = (title: string, check: () => Promise<Outcome | Outcome[]>) => Promise<void>;

async function checkFromOutside(stage: Stage, step: Step): Promise<void> {
  await step("GET /public", () => publicAnswers(stage));
  await step("GET /private unsigned", () => privateRefusedUnsigned(stage));
  await step("the site", () => siteServesApp(stage));
}

/** Users A and B, created and confirmed by admin calls, signed in as the CLI does; undefined (and a ✗ line) if that fails. */
async function signInThrowawayUsers(
  stage: Stage,
  ledger: Ledger,
  step: Step,
): Promise<[SignedInUser, SignedInUser] | undefined> {
  const title = "two throwaway users sign in with SRP and get AWS credentials";
  const users = throwawayUsers();
  let signedIn: [SignedInUser, SignedInUser] | undefined;
  await step(title, async () => {
    const sent = `AdminCreateUser + AdminSetUserPassword ${users.map((user) => user.email).join(", ")}; SRP sign-in; GetId + GetCredentialsForIdentity`;
    for (const user of users) await createConfirmedUser(stage, ledger, user);
    const retries: string[] = [];
    const each: SignedInUser[] = [];
    for (const user of users) {
      const { result, retried } = await settle(
        stage.env,
        () => signIn(stage, user),
        (result) => ("error" in result ? settlingError(result.error) : undefined),
      );
      if (retried) retries.push(retried);
      if ("error" in result) throw result.error;
      each.push(result.value);
    }
    signedIn = each as [SignedInUser, SignedInUser];
    const got = `identities ${each.map((user) => `${user.label} ${user.identityId}`).join(", ")}`;
    return { status: "pass", title, sent, got, retried: retries.join("; ") || undefined };
  });
  return signedIn;
}

async function checkAsUsers(
  stage: Stage,
  ledger: Ledger,
  [a, b]: [SignedInUser, SignedInUser],
  step: Step,
): Promise<void> {
  const name = `verify-${randomBytes(4).toString("hex")}`;
  const key = `${ownFilesPrefix(a.identityId)}${name}.txt`;
  const bytes = randomBytes(1024);
  await step("signed GET /private", () => signedPrivate(stage, a));
  await step("CORS: signed API call", () => corsSignedApiCall(stage, a));
  await step("CORS: single PUT", () => corsUpload(stage, a, key, false));
  await step("CORS: multipart POST", () => corsUpload(stage, a, key, true));
  await step("CORS: other origins", () => corsForeignOrigins(stage, a, key));
  await step("upload", () => upload(stage, ledger, a, key, bytes));
  await step("list", () => listOwn(stage, a, key, bytes.length));
  await step("GET /files", () => filesListsUpload(stage, a, key));
  await step("download", () => downloadSame(stage, a, key, bytes));
  await step("isolation", () => otherUserCannotRead(stage, b, a, key));
  await step("DEEP_ARCHIVE", () =>
    deepArchiveRefused(stage, ledger, a, `${ownFilesPrefix(a.identityId)}${name}-deep-archive.txt`),
  );
  await step("copy", () => copyRefused(stage, ledger, a, key, `${ownFilesPrefix(a.identityId)}${name}-copy.txt`));
  await step("presigned GET", () => presignedRefused(stage, a, key));
  await step("outside own prefix", () =>
    writeOutsideOwnPrefixRefused(stage, ledger, a, b, `${ownFilesPrefix(b.identityId)}${name}-from-a.txt`),
  );
  await step("delete", () => deleteOwn(stage, ledger, a, key));
  await step("revocation", () => revokedTokenRefused(stage, a));
}
