import { noSuchFile, storageDenied } from "@iam-auth-api/client/messages";
import { ownFileKey } from "@iam-auth-api/core/files";
import type { AwsClient } from "aws4fetch";
import { signedIdentity } from "./credentials";
import { Problem, SIGN_IN_AGAIN } from "./problem";
import { settings } from "./settings";

/**
 * Files above this size go up in parts of this size (S3's minimum part is 5 MiB): a failed part is
 * retried alone, and each part's request stays short enough for temporary credentials.
 */
export const PART_SIZE = 8 * 1024 * 1024;

export type Progress = (sent: number, total: number) => void;

/** RFC 3986 encoding of each key segment, as SigV4 canonicalises an S3 path. */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
}

/**
 * Virtual-hosted on AWS. Test only: path-style on a loopback endpoint set at build time, read right
 * here so that a real build, where Vite makes it `undefined`, carries neither the branch nor the name.
 */
function objectUrl(key: string, query = ""): string {
  const path = encodeKey(key) + query;
  const testEndpoint = import.meta.env.VITE_TEST_ENDPOINT_S3;
  if (testEndpoint) return `${testEndpoint.replace(/\/+$/, "")}/${settings.bucket}/${path}`;
  return `https://${settings.bucket}.s3.${settings.region}.amazonaws.com/${path}`;
}

/** The bucket itself, for a listing; `query` starts with `?`. Test only: path-style on the loopback endpoint, as objectUrl. */
function bucketUrl(query: string): string {
  const testEndpoint = import.meta.env.VITE_TEST_ENDPOINT_S3;
  if (testEndpoint) return `${testEndpoint.replace(/\/+$/, "")}/${settings.bucket}${query}`;
  return `https://${settings.bucket}.s3.${settings.region}.amazonaws.com/${query}`;
}

/** A name below your own prefix, by the rule the CLI applies too (core's `isFileName`). */
function ownKey(identityId: string, name: string): string {
  const key = ownFileKey(identityId, name);
  if (key === undefined) throw new Problem(`"${name}" is not a file name: rename the file, then upload it again.`);
  return key;
}

interface S3Answer {
  status: number;
  body: string;
  etag: string | null;
}

/** S3's error `<Code>`, or the status when the body has none. */
function s3Code(answer: S3Answer): string {
  return /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1] ?? `HTTP ${answer.status}`;
}

function s3Problem(answer: S3Answer): Problem {
  const code = s3Code(answer);
  if (code === "AccessDenied")
    return new Problem(storageDenied(settings.bucket, "access", `sign out, then ${SIGN_IN_AGAIN}`));
  if (answer.status === 403)
    return new Problem(storageDenied(settings.bucket, `the credentials (${code})`, `sign out, then ${SIGN_IN_AGAIN}`));
  if (code === "NoSuchBucket")
    return new Problem(
      `Bucket ${settings.bucket} does not exist: this page may have been built for a removed stage; deploy it again.`,
    );
  return new Problem(`S3 failed (${code}): try again in a moment.`);
}

const unreachable = () => new Problem("Could not reach S3: check your network connection, then try again.");

/**
 * One signed S3 request through XMLHttpRequest, the one browser API that reports upload progress.
 * Signed with the credentials of the moment, renewed if due: a long multipart upload can outlast
 * the ones it started with. The payload is not part of the signature (UNSIGNED-PAYLOAD, aws4fetch's
 * S3 default), so a large file is never read into memory to be hashed.
 */
async function send(
  method: string,
  url: string,
  body?: Blob,
  headers: Record<string, string> = {},
  onProgress?: (sent: number) => void,
): Promise<S3Answer> {
  const { s3 } = await signedIdentity();
  const signed = await s3.sign(url, { method, headers });
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, signed.url);
    signed.headers.forEach((value, name) => {
      request.setRequestHeader(name, value);
    });
    if (onProgress) request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () =>
      resolve({ status: request.status, body: request.responseText, etag: request.getResponseHeader("ETag") });
    request.onerror = () => reject(unreachable());
    request.send(body ?? null);
  });
}

function expectOk(answer: S3Answer): S3Answer {
  // CompleteMultipartUpload can fail with 200 and an <Error> body.
  if (answer.status >= 300 || /<Error>/.test(answer.body)) throw s3Problem(answer);
  return answer;
}

/** Uploads a file as `private/<your identity id>/<name>`, in parts when it is large; reports bytes sent. */
export async function uploadFile(file: File, onProgress: Progress): Promise<void> {
  const { identityId } = await signedIdentity();
  const url = objectUrl(ownKey(identityId, file.name));
  const contentType = { "content-type": file.type || "application/octet-stream" };
  onProgress(0, file.size);
  if (file.size <= PART_SIZE) {
    expectOk(await send("PUT", url, file, contentType, (sent) => onProgress(sent, file.size)));
    onProgress(file.size, file.size);
    return;
  }
  const created = expectOk(await send("POST", `${url}?uploads`, undefined, contentType));
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)?.[1];
  if (!uploadId)
    throw new Problem("S3 started no multipart upload (no UploadId in its answer): try again in a moment.");
  const upload = `uploadId=${encodeURIComponent(uploadId)}`;
  try {
    const parts: string[] = [];
    for (let offset = 0; offset < file.size; offset += PART_SIZE) {
      const number = parts.length + 1;
      const part = expectOk(
        await send("PUT", `${url}?partNumber=${number}&${upload}`, file.slice(offset, offset + PART_SIZE), {}, (sent) =>
          onProgress(offset + sent, file.size),
        ),
      );
      if (!part.etag)
        throw new Problem(
          `S3 hid the ETag of part ${number} from this page: the bucket's CORS must expose ETag; deploy the app again.`,
        );
      parts.push(`<Part><PartNumber>${number}</PartNumber><ETag>${part.etag}</ETag></Part>`);
    }
    expectOk(
      await send(
        "POST",
        `${url}?${upload}`,
        new Blob([`<CompleteMultipartUpload>${parts.join("")}</CompleteMultipartUpload>`]),
        { "content-type": "application/xml" },
      ),
    );
    onProgress(file.size, file.size);
  } catch (error) {
    // Parts of an abandoned upload are billed until aborted (the bucket's lifecycle rule also aborts them after a day).
    await send("DELETE", `${url}?${upload}`).catch(() => undefined);
    throw error;
  }
}

async function signedFetch(s3: AwsClient, method: string, url: string): Promise<Response> {
  try {
    return await s3.fetch(url, { method });
  } catch {
    throw unreachable();
  }
}

/** Your file's bytes. */
export async function downloadFile(name: string): Promise<Blob> {
  const { identityId, s3 } = await signedIdentity();
  const response = await signedFetch(s3, "GET", objectUrl(ownKey(identityId, name)));
  // Bytes, never a document: whatever Content-Type the object was stored with (text/html, image/svg+xml…),
  // the saved blob is application/octet-stream, so the browser downloads it and never renders it here.
  if (response.ok) return new Blob([await response.arrayBuffer()], { type: "application/octet-stream" });
  const answer = { status: response.status, body: await response.text(), etag: null };
  // S3 answers 403, not 404, for a missing key when listing is allowed only under a prefix (this app's policy).
  if (answer.status === 404 || (answer.status === 403 && (await isMissing(s3, ownKey(identityId, name)))))
    throw new Problem(noSuchFile(name, "the list shows the files you have"));
  throw s3Problem(answer);
}

/**
 * True when a listing of exactly `key`, which the policy's s3:prefix condition allows, shows no such
 * object (one request, as the CLI asks); false when that listing is refused too or fails.
 */
async function isMissing(s3: AwsClient, key: string): Promise<boolean> {
  const listing = bucketUrl(`?list-type=2&max-keys=1&prefix=${encodeURIComponent(key)}`);
  const response = await signedFetch(s3, "GET", listing).catch(() => undefined);
  if (!response?.ok) return false;
  const keys = [...(await response.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map(([, listed]) => unescapeXml(listed));
  return !keys.includes(key);
}

/** The five entities S3 escapes in its XML answers. */
const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => XML_ENTITIES[entity]);
const XML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };

export async function deleteFile(name: string): Promise<void> {
  const { identityId, s3 } = await signedIdentity();
  const response = await signedFetch(s3, "DELETE", objectUrl(ownKey(identityId, name)));
  if (!response.ok) throw s3Problem({ status: response.status, body: await response.text(), etag: null });
}
