/**
 * S3: s3rver holds the bucket's objects (on disk under `dir`); in front of it, S3's own checks: the
 * SigV4 signature, then IAM's decision on the signer's role (the authenticated role for users, the
 * Lambda's role for a handler) with the bucket policy's Deny statements, judged by the simulator.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import type { AppModel } from "./app-model";
import { authorize } from "./iam";
import type { Caller, CredentialStore } from "./identity-pool";
import { type Plumbing, relay, s3Error } from "./plumbing";
import { verifySignedRequest } from "./sigv4";

export interface S3 {
  url: string;
  /** What the bucket holds, key → content, bypassing every check. */
  storedObjects(): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

interface S3State {
  app: AppModel;
  credentials: CredentialStore;
  s3rverUrl: string;
  /** AbortMultipartUpload, which s3rver lacks: these uploads can no longer take parts or complete. */
  abortedUploads: Set<string>;
}

export async function startS3(
  plumbing: Plumbing,
  options: { app: AppModel; credentials: CredentialStore; dir: string; port?: number },
): Promise<S3> {
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: options.dir,
    configureBuckets: [{ name: options.app.bucket, configs: [] }],
  });
  const address = (await s3rver.run()) as AddressInfo;
  const state: S3State = {
    app: options.app,
    credentials: options.credentials,
    s3rverUrl: `http://127.0.0.1:${address.port}`,
    abortedUploads: new Set(),
  };
  // The SDK is loaded by the first test that reads the bucket directly, not by every start.
  let adminS3: S3Client | undefined;
  try {
    const url = await plumbing.listen(
      "s3",
      (request, body, response) => serveS3(state, request, body, response),
      options.port,
    );
    return {
      url,
      storedObjects: async () => {
        const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
        adminS3 ??= new S3Client({
          region: options.app.region,
          endpoint: state.s3rverUrl,
          forcePathStyle: true,
          requestChecksumCalculation: "WHEN_REQUIRED",
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        const listing = await adminS3.send(new ListObjectsV2Command({ Bucket: options.app.bucket }));
        const objects = new Map<string, string>();
        for (const { Key } of listing.Contents ?? []) {
          const object = await adminS3.send(new GetObjectCommand({ Bucket: options.app.bucket, Key }));
          objects.set(Key!, await object.Body!.transformToString());
        }
        return objects;
      },
      stop: async () => {
        adminS3?.destroy();
        await s3rver.close();
      },
    };
  } catch (error) {
    await s3rver.close();
    throw error;
  }
}

/** The IAM action and resource of an S3 request (path-style), and the condition keys S3 puts in its context. */
export function s3Request(request: Pick<IncomingMessage, "method" | "url" | "headers">): {
  bucket: string;
  key: string;
  checks: Array<{ action: string; resource: string; context: Record<string, string> }>;
} {
  const url = new URL(request.url ?? "/", "http://s3");
  const [, bucket = "", ...keyParts] = url.pathname.split("/");
  const key = decodeURIComponent(keyParts.join("/"));
  const method = request.method ?? "GET";
  const has = (name: string) => url.searchParams.has(name);
  const context: Record<string, string> = {
    // On every S3 request, as AWS puts them: a negated condition on an absent key would match.
    "s3:authType": "REST-HEADER",
    "s3:signatureversion": "AWS4-HMAC-SHA256",
    // The local stack is plain http on 127.0.0.1; it stands in for S3's TLS endpoint.
    "aws:SecureTransport": "true",
    ...(request.headers["x-amz-content-sha256"] && {
      "s3:x-amz-content-sha256": String(request.headers["x-amz-content-sha256"]),
    }),
  };
  const object = `arn:aws:s3:::${bucket}/${key}`;
  const bucketResource = `arn:aws:s3:::${bucket}`;
  const check = (action: string, resource: string, extra: Record<string, string> = {}) => ({
    action,
    resource,
    context: { ...context, ...extra },
  });
  if (key) {
    const storageClass = request.headers["x-amz-storage-class"];
    const copySource = request.headers["x-amz-copy-source"];
    const write = {
      ...(storageClass && { "s3:x-amz-storage-class": String(storageClass) }),
      ...(copySource && { "s3:x-amz-copy-source": String(copySource) }),
    };
    if (method === "GET" && has("uploadId"))
      return { bucket, key, checks: [check("s3:ListMultipartUploadParts", object)] };
    if (method === "GET" || method === "HEAD") return { bucket, key, checks: [check("s3:GetObject", object)] };
    if (method === "PUT" || method === "POST") return { bucket, key, checks: [check("s3:PutObject", object, write)] };
    if (method === "DELETE")
      return { bucket, key, checks: [check(has("uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject", object)] };
  } else {
    if (method === "GET" && has("uploads"))
      return { bucket, key, checks: [check("s3:ListBucketMultipartUploads", bucketResource)] };
    if (method === "GET" && has("location"))
      return { bucket, key, checks: [check("s3:GetBucketLocation", bucketResource)] };
    if (method === "GET" || method === "HEAD") {
      const list: Record<string, string> = {};
      for (const name of ["prefix", "delimiter", "max-keys"])
        if (has(name)) list[`s3:${name}`] = url.searchParams.get(name)!;
      return { bucket, key, checks: [check("s3:ListBucket", bucketResource, list)] };
    }
  }
  // Anything else (bucket configuration, batch delete…) is not part of what this app's clients do.
  return { bucket, key, checks: [check(`s3:${method}Unsupported`, bucketResource)] };
}

function allowed(state: S3State, caller: Caller, checks: ReturnType<typeof s3Request>["checks"]): boolean {
  return checks.every(
    (check) => authorize(state.app, caller, { ...check, resourceDenies: state.app.bucketDenies }).allowed,
  );
}

async function serveS3(state: S3State, request: IncomingMessage, body: Buffer, response: ServerResponse) {
  const signed = await verifySignedRequest(state.credentials, state.app.region, request, body, "s3");
  if ("error" in signed) return s3Error(response, "AccessDenied", signed.error);
  const caller = signed.credentials.caller;
  const { bucket, key, checks } = s3Request(request);
  if (!allowed(state, caller, checks)) return s3Error(response, "AccessDenied", "Access Denied");
  const uploadId = new URL(request.url ?? "/", "http://s3").searchParams.get("uploadId");
  if (uploadId && state.abortedUploads.has(uploadId))
    return s3Error(response, "NoSuchUpload", "The specified upload does not exist.", 404);
  if (uploadId && request.method === "DELETE") {
    state.abortedUploads.add(uploadId);
    response.writeHead(204);
    return response.end();
  }
  const { authorization: _, "x-amz-security-token": __, origin: ___, ...headers } = request.headers;
  const answer = await relay(state.s3rverUrl, { url: request.url, method: request.method, headers }, body);
  // S3 answers a missing key with 404 only to a caller that may list the bucket; with s3:ListBucket
  // limited by an s3:prefix condition (as this app's role is), the request lacks the key and it is 403.
  if (
    answer.status === 404 &&
    key &&
    !uploadId &&
    (request.method === "GET" || request.method === "HEAD") &&
    !allowed(state, caller, [
      { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}`, context: checks[0].context },
    ])
  )
    return s3Error(response, "AccessDenied", "Access Denied");
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}
