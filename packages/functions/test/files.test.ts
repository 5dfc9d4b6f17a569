import { ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { IDENTITY_ID, IDENTITY_POOL_ID, iamEvent, userPoolIdentity } from "@iam-auth-api/loopback/events";

const BUCKET = "iam-auth-api-dev-uploadsbucket-abcdefgh";
const s3 = mockClient(S3Client);
let handler: typeof import("../src/files").handler;

beforeAll(async () => {
  // SST's Resource reads linked values from SST_RESOURCE_<Name> at import time.
  process.env.SST_RESOURCE_UploadsListing = JSON.stringify({ name: BUCKET, type: "sst.sst.Linkable" });
  process.env.SST_RESOURCE_AppIdentityPool = JSON.stringify({ id: IDENTITY_POOL_ID, type: "sst.sst.Linkable" });
  ({ handler } = await import("../src/files"));
});

afterEach(() => {
  s3.reset();
  vi.restoreAllMocks();
});

function body(response: { body?: string }) {
  return JSON.parse(response.body ?? "null");
}

describe("GET /files", () => {
  it("lists only the caller's own prefix, with names relative to it", async () => {
    const prefix = `private/${IDENTITY_ID}/`;
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: `${prefix}notes.txt`, Size: 12, LastModified: new Date("2026-11-20T10:00:00Z") },
        { Key: `${prefix}photos/cat.jpg`, Size: 2048, LastModified: new Date("2026-11-21T10:00:00Z") },
      ],
      IsTruncated: false,
    });

    const response = await handler(iamEvent("GET /files"));

    expect(response.statusCode).toBe(200);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: BUCKET, Prefix: prefix });
    expect(body(response)).toEqual({
      prefix,
      files: [
        { name: "notes.txt", key: `${prefix}notes.txt`, size: 12, lastModified: "2026-11-20T10:00:00.000Z" },
        {
          name: "photos/cat.jpg",
          key: `${prefix}photos/cat.jpg`,
          size: 2048,
          lastModified: "2026-11-21T10:00:00.000Z",
        },
      ],
    });
  });

  it("pages with an opaque cursor", async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: true, NextContinuationToken: "next-page" });
    const first = body(await handler(iamEvent("GET /files")));
    expect(first.nextCursor).toBe("next-page");

    s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    const event = iamEvent("GET /files", undefined, { queryStringParameters: { cursor: "next-page" } });
    const last = body(await handler(event));
    expect(s3.commandCalls(ListObjectsV2Command).at(-1)!.args[0].input.ContinuationToken).toBe("next-page");
    expect(last).not.toHaveProperty("nextCursor");
  });

  it("answers 400 with what to do for a cursor S3 rejects", async () => {
    s3.on(ListObjectsV2Command).rejects(
      new S3ServiceException({
        name: "InvalidArgument",
        $fault: "client",
        $metadata: {},
        message: "The continuation token provided is incorrect",
      }),
    );
    const response = await handler(iamEvent("GET /files", undefined, { queryStringParameters: { cursor: "forged" } }));
    expect(response.statusCode).toBe(400);
    expect(body(response).error).toMatch(/cursor is not valid/);
  });

  it("never calls S3 for a caller without a Cognito identity", async () => {
    const response = await handler(iamEvent("GET /files", null));
    expect(response.statusCode).toBe(403);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it("never calls S3 for an identity of another identity pool", async () => {
    const foreign = { ...userPoolIdentity(), identityPoolId: "us-east-1:5f291106-8703-466b-8f2b-3ecee1ca56ce" };
    const response = await handler(iamEvent("GET /files", foreign));
    expect(response.statusCode).toBe(403);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it("turns an S3 failure into a 500 that leaks nothing, and logs it", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    s3.on(ListObjectsV2Command).rejects(new Error("AccessDenied: arn:aws:iam::123456789012:role/secret-name"));
    const response = await handler(iamEvent("GET /files"));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/arn:aws|AccessDenied/);
    expect(log).toHaveBeenCalled();
  });
});
