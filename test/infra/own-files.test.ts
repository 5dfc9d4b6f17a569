import { describe, expect, test } from "vitest";
import { FILES_ROOT, ownFilesPrefix } from "@iam-auth-api/core/files";
import { identityPoolRole, inComponent } from "@iam-auth-api/infra-harness/graph";
import { decideForRole } from "./simulate";
import { REGION } from "@iam-auth-api/infra-harness/mocks";
import { STAGES, useEvaluation } from "./fixtures";

const ALICE = `${REGION}:11111111-aaaa-4aaa-8aaa-111111111111`;
const BOB = `${REGION}:22222222-bbbb-4bbb-8bbb-222222222222`;
/** Another identity whose id merely starts with Alice's: `private/<alice>x/` must stay Bob-like to her. */
const ALICE_LOOKALIKE = `${ALICE}0`;
const OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];

describe.each(STAGES)("per-user files, as an identity pool user (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const authenticatedRole = () => identityPoolRole(app(), "authenticated");
  const bucketArn = () => inComponent(app(), "Uploads", "aws:s3/bucket:Bucket").outputs.arn as string;
  /**
   * Alice's request: IAM fills `${cognito-identity.amazonaws.com:sub}` with her identity id, and S3
   * says how it was signed, as on every request (both clients sign headers).
   */
  const asAlice = (action: string, resource: string, context: Record<string, string> = {}) =>
    decideForRole(app(), authenticatedRole(), {
      action,
      resource,
      context: { "cognito-identity.amazonaws.com:sub": ALICE, "s3:authType": "REST-HEADER", ...context },
    });

  test("Alice may read, write and delete her own files", () => {
    for (const action of [...OBJECT_ACTIONS, "s3:AbortMultipartUpload"]) {
      expect(
        asAlice(action, `${bucketArn()}/${ownFilesPrefix(ALICE)}notes/today.txt`),
        `${action} on her own file`,
      ).toBe("Allowed");
    }
  });

  test("Alice may write her files only in the STANDARD storage class", () => {
    const ownFile = () => `${bucketArn()}/${ownFilesPrefix(ALICE)}notes/today.txt`;
    // No x-amz-storage-class header: S3 stores the object as STANDARD.
    expect(asAlice("s3:PutObject", ownFile()), "s3:PutObject without x-amz-storage-class").toBe("Allowed");
    expect(
      asAlice("s3:PutObject", ownFile(), { "s3:x-amz-storage-class": "STANDARD" }),
      "s3:PutObject as STANDARD",
    ).toBe("Allowed");
    // Classes that bill a minimum duration or retrieval: DEEP_ARCHIVE 180 days, GLACIER 90, *_IA 30.
    for (const storageClass of [
      "DEEP_ARCHIVE",
      "GLACIER",
      "GLACIER_IR",
      "STANDARD_IA",
      "ONEZONE_IA",
      "INTELLIGENT_TIERING",
      "REDUCED_REDUNDANCY",
    ]) {
      expect(
        asAlice("s3:PutObject", ownFile(), { "s3:x-amz-storage-class": storageClass }),
        `s3:PutObject as ${storageClass}`,
      ).not.toBe("Allowed");
    }
  });

  test("Alice may list her own prefix", () => {
    for (const prefix of [ownFilesPrefix(ALICE), `${ownFilesPrefix(ALICE)}notes/`]) {
      expect(asAlice("s3:ListBucket", bucketArn(), { "s3:prefix": prefix }), `s3:ListBucket prefix ${prefix}`).toBe(
        "Allowed",
      );
    }
  });

  test("Alice may not touch Bob's files, nor those of an id that merely starts with hers", () => {
    for (const owner of [BOB, ALICE_LOOKALIKE]) {
      for (const action of OBJECT_ACTIONS) {
        expect(
          asAlice(action, `${bucketArn()}/${ownFilesPrefix(owner)}notes/today.txt`),
          `${action} on ${owner}'s file`,
        ).not.toBe("Allowed");
      }
      expect(
        asAlice("s3:ListBucket", bucketArn(), { "s3:prefix": ownFilesPrefix(owner) }),
        `s3:ListBucket ${owner}'s prefix`,
      ).not.toBe("Allowed");
    }
  });

  test("Alice may not list the bucket, the files root, or a prefix that merely starts with her id", () => {
    for (const prefix of ["", FILES_ROOT, ALICE, `${FILES_ROOT}${ALICE}`]) {
      expect(
        asAlice("s3:ListBucket", bucketArn(), { "s3:prefix": prefix }),
        `s3:ListBucket prefix "${prefix}"`,
      ).not.toBe("Allowed");
    }
    expect(asAlice("s3:ListBucket", bucketArn()), "s3:ListBucket without a prefix").not.toBe("Allowed");
  });

  test("Alice may not touch anything at the bucket root or outside the files root", () => {
    for (const key of ["readme.txt", `${ALICE}/notes.txt`, `public/${ownFilesPrefix(ALICE)}notes.txt`]) {
      for (const action of OBJECT_ACTIONS)
        expect(asAlice(action, `${bucketArn()}/${key}`), `${action} on ${key}`).not.toBe("Allowed");
    }
  });

  test("Alice may not touch the same prefix in any other bucket", () => {
    const otherBucket = "arn:aws:s3:::someone-elses-bucket";
    for (const action of OBJECT_ACTIONS) {
      expect(
        asAlice(action, `${otherBucket}/${ownFilesPrefix(ALICE)}notes.txt`),
        `${action} in another bucket`,
      ).not.toBe("Allowed");
    }
    expect(
      asAlice("s3:ListBucket", otherBucket, { "s3:prefix": ownFilesPrefix(ALICE) }),
      "s3:ListBucket another bucket",
    ).not.toBe("Allowed");
  });

  test("Alice may not change the bucket itself", () => {
    for (const action of ["s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutBucketCORS", "s3:PutObjectAcl"]) {
      const resource = action === "s3:PutObjectAcl" ? `${bucketArn()}/${ownFilesPrefix(ALICE)}x` : bucketArn();
      expect(asAlice(action, resource), action).not.toBe("Allowed");
    }
  });
});
