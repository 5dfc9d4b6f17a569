// How a signed-in user's S3 requests are made matters as much as where they go: a server-side copy
// adds storage without uploading a byte, and a presigned link serves a user's files to anyone.
import { describe, expect, test } from "vitest";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import { identityPoolRole, inComponent } from "@iam-auth-api/infra-harness/graph";
import { REGION } from "@iam-auth-api/infra-harness/mocks";
import { STAGES, useEvaluation } from "./fixtures";
import { decideForRole } from "./simulate";

const ALICE = `${REGION}:11111111-aaaa-4aaa-8aaa-111111111111`;

/** How S3 reports a request's signature in `s3:authType`, on every request. */
const HEADER_SIGNED = "REST-HEADER";
const PRESIGNED = "REST-QUERY-STRING";
const BROWSER_POST_FORM = "POST";

describe.each(STAGES)("how a signed-in user may reach her files (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const bucketArn = () => inComponent(app(), "Uploads", "aws:s3/bucket:Bucket").outputs.arn as string;
  const ownFile = (name = "big.bin") => `${bucketArn()}/${ownFilesPrefix(ALICE)}${name}`;
  /** Alice's request with the context keys S3 really puts on it. */
  const asAlice = (action: string, resource: string, context: Record<string, string>) =>
    decideForRole(app(), identityPoolRole(app(), "authenticated"), {
      action,
      resource,
      context: { "cognito-identity.amazonaws.com:sub": ALICE, ...context },
    });

  test("a plain header-signed PUT into her own prefix is allowed", () => {
    expect(asAlice("s3:PutObject", ownFile(), { "s3:authType": HEADER_SIGNED })).toBe("Allowed");
  });

  test("a server-side copy into her own prefix is denied: CopyObject and UploadPartCopy carry x-amz-copy-source", () => {
    // Both are authorised as s3:PutObject on the target; the source is her own file, which she may read.
    const source = `${bucketArn().replace("arn:aws:s3:::", "")}/${ownFilesPrefix(ALICE)}big.bin`;
    expect(asAlice("s3:GetObject", ownFile(), { "s3:authType": HEADER_SIGNED }), "reading the source").toBe("Allowed");
    for (const target of [ownFile("copy-1.bin"), ownFile("big.bin")]) {
      expect(
        asAlice("s3:PutObject", target, { "s3:authType": HEADER_SIGNED, "s3:x-amz-copy-source": source }),
        `copy of her own file to ${target}`,
      ).toBe("ExplicitlyDenied");
    }
  });

  test("presigned URLs and browser POST forms are denied for her objects and her listing", () => {
    const listing = { "s3:prefix": ownFilesPrefix(ALICE) };
    for (const authType of [PRESIGNED, BROWSER_POST_FORM]) {
      for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]) {
        expect(asAlice(action, ownFile(), { "s3:authType": authType }), `${action} signed as ${authType}`).toBe(
          "ExplicitlyDenied",
        );
      }
      expect(
        asAlice("s3:ListBucket", bucketArn(), { ...listing, "s3:authType": authType }),
        `s3:ListBucket signed as ${authType}`,
      ).toBe("ExplicitlyDenied");
    }
  });

  test("the same requests signed in headers are allowed", () => {
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]) {
      expect(asAlice(action, ownFile(), { "s3:authType": HEADER_SIGNED }), `${action} header-signed`).toBe("Allowed");
    }
    expect(
      asAlice("s3:ListBucket", bucketArn(), { "s3:prefix": ownFilesPrefix(ALICE), "s3:authType": HEADER_SIGNED }),
      "s3:ListBucket header-signed",
    ).toBe("Allowed");
  });
});
