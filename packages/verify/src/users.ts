/**
 * verify's two throwaway users: created and confirmed with the caller's AWS credentials (admin
 * calls: no email is sent, none of the pool's email quota is used), signed in as the CLI signs in
 * (SRP, then the identity pool), and removed again with every object they wrote.
 */
import { randomBytes } from "node:crypto";
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { commonAwsError, unexpectedAwsError } from "@iam-auth-api/cli/aws";
import { s3Client } from "@iam-auth-api/cli/files";
import { identityCredentials } from "@iam-auth-api/cli/identity-pool";
import type { Session, TemporaryCredentials } from "@iam-auth-api/cli/session-store";
import { userPoolClient, signInWithSrp } from "@iam-auth-api/cli/user-pool";
import { userPoolProviderName } from "@iam-auth-api/client/settings";
import { CliError } from "@iam-auth-api/cli/cli-error";
import type { Stage } from "./stage";

export interface ThrowawayUser {
  /** `A` or `B`, as the lines name them. */
  label: string;
  email: string;
  password: string;
}

export interface SignedInUser extends ThrowawayUser {
  idToken: string;
  identityId: string;
  credentials: TemporaryCredentials;
  /** What the CLI's S3 client takes: this user's identity and credentials, never written to the CLI's cache. */
  session: Session;
}

/** What verify created, recorded before each request that may create it, so that clean-up finds it whatever happens next. */
export class Ledger {
  readonly users = new Set<string>();
  /** Key → the user whose credentials may delete it (every object verify writes lies in one of its users' prefixes). */
  readonly objects = new Map<string, SignedInUser>();
}

/** `verify-<run id>-a@example.invalid`: a reserved domain, no mailbox; the run id keeps concurrent runs apart. */
export function throwawayUsers(): [ThrowawayUser, ThrowawayUser] {
  const run = randomBytes(4).toString("hex");
  const user = (label: string) => ({
    label,
    email: `verify-${run}-${label.toLowerCase()}@example.invalid`,
    // Every class the pool's password policy can require, and 22 random characters.
    password: `${randomBytes(16).toString("base64url")}aZ7!`,
  });
  return [user("A"), user("B")];
}

/** AdminCreateUser (no invitation email) then AdminSetUserPassword (permanent: the user is CONFIRMED). */
export async function createConfirmedUser(stage: Stage, ledger: Ledger, user: ThrowawayUser): Promise<void> {
  const client = userPoolClient(stage.outputs.Region, stage.env);
  ledger.users.add(user.email);
  await admin("AdminCreateUser", () =>
    client.send(
      new AdminCreateUserCommand({
        UserPoolId: stage.outputs.UserPool,
        Username: user.email,
        UserAttributes: [
          { Name: "email", Value: user.email },
          { Name: "email_verified", Value: "true" },
        ],
        MessageAction: "SUPPRESS",
        TemporaryPassword: user.password,
      }),
    ),
  );
  await admin("AdminSetUserPassword", () =>
    client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: stage.outputs.UserPool,
        Username: user.email,
        Password: user.password,
        Permanent: true,
      }),
    ),
  );
}

/** As `iam-api login`: SRP, then GetId and GetCredentialsForIdentity; nothing is cached. */
export async function signIn(stage: Stage, user: ThrowawayUser): Promise<SignedInUser> {
  const settings = {
    region: stage.outputs.Region,
    userPool: stage.outputs.UserPool,
    userPoolClient: stage.outputs.UserPoolClient,
    identityPool: stage.outputs.IdentityPool,
  };
  const tokens = await signInWithSrp(settings, user.email, user.password, stage.env);
  const { identityId, credentials } = await identityPoolCredentials(stage, tokens.idToken, undefined);
  const session: Session = {
    version: 1,
    userPool: settings.userPool,
    identityPool: settings.identityPool,
    identityId,
    signIn: tokens,
    credentials,
  };
  return { ...user, idToken: tokens.idToken, identityId, credentials, session };
}

/** GetCredentialsForIdentity (after GetId unless the identity is known) for this id token: the identity pool's judgement of it. */
export function identityPoolCredentials(stage: Stage, idToken: string, identityId: string | undefined) {
  return identityCredentials(
    { region: stage.outputs.Region, identityPool: stage.outputs.IdentityPool },
    { [userPoolProviderName(stage.outputs.Region, stage.outputs.UserPool)]: idToken },
    identityId,
    stage.env,
    (reason) => new CliError("NotAuthorizedException", reason),
  );
}

/** AdminUserGlobalSignOut: every token issued to the user is revoked. */
export async function globalSignOut(stage: Stage, user: ThrowawayUser): Promise<void> {
  const client = userPoolClient(stage.outputs.Region, stage.env);
  await admin("AdminUserGlobalSignOut", () =>
    client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: stage.outputs.UserPool, Username: user.email })),
  );
}

/**
 * Deletes every object in the ledger (with its owner's credentials), then both users (with the
 * caller's); each failure is reported, none stops the rest. Nothing outside the ledger is touched.
 */
export async function removeCreated(stage: Stage, ledger: Ledger): Promise<{ removed: string[]; failures: string[] }> {
  const removed: string[] = [];
  const failures: string[] = [];
  const deletedObjects: string[] = [];
  for (const [key, owner] of ledger.objects) {
    const s3 = s3Client({
      bucket: stage.outputs.Bucket,
      region: stage.outputs.Region,
      session: owner.session,
      env: stage.env,
    });
    try {
      // Only what exists is deleted and reported: most refused requests created nothing.
      const listing = await s3.send(
        new ListObjectsV2Command({ Bucket: stage.outputs.Bucket, Prefix: key, MaxKeys: 1 }),
      );
      if (listing.Contents?.some((object) => object.Key === key)) {
        await s3.send(new DeleteObjectCommand({ Bucket: stage.outputs.Bucket, Key: key }));
        deletedObjects.push(key);
      }
      ledger.objects.delete(key);
    } catch (error) {
      failures.push(
        `could not delete s3://${stage.outputs.Bucket}/${key} (${(error as Error).name}): delete it by hand`,
      );
    }
  }
  if (deletedObjects.length)
    removed.push(
      `${deletedObjects.length} object${deletedObjects.length > 1 ? "s" : ""} (${deletedObjects.join(", ")})`,
    );
  const client = userPoolClient(stage.outputs.Region, stage.env);
  const deletedUsers: string[] = [];
  for (const email of ledger.users) {
    try {
      await client.send(new AdminDeleteUserCommand({ UserPoolId: stage.outputs.UserPool, Username: email }));
      deletedUsers.push(email);
    } catch (error) {
      // Created neither: AdminCreateUser failed before it.
      if ((error as Error).name !== "UserNotFoundException")
        failures.push(
          `could not delete user ${email} (${(error as Error).name}): run \`aws cognito-idp admin-delete-user --user-pool-id ${stage.outputs.UserPool} --username ${email}\``,
        );
    }
    ledger.users.delete(email);
  }
  if (deletedUsers.length) removed.push(`users ${deletedUsers.join(", ")}`);
  return { removed, failures };
}

async function admin<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw commonAwsError(error, "Cognito (user pool)", operation) ?? unexpectedAwsError(error, "Cognito (user pool)");
  }
}
