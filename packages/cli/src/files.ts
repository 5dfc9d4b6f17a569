import { createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { noSuchFile, sessionExpired, storageDenied } from "@iam-auth-api/client/messages";
import { ownFileKey, ownFilesPrefix } from "@iam-auth-api/core/files";
import { listOwnFiles, type FileEntry } from "@iam-auth-api/core/list-files";
import { clientConfig, commonAwsError, errorName, unexpectedAwsError } from "./aws";
import { TEST_ENDPOINT_ENV } from "./test-settings";
import { CliError } from "./cli-error";
import { DEFAULT_INVOCATION, type Invocation } from "./invocation";
import type { Session } from "./session-store";

const SERVICE = "S3";

export interface FilesContext {
  bucket: string;
  region: string;
  session: Session;
  env: NodeJS.ProcessEnv;
  /** Where a relative file path is read from (the process's working directory when unset). */
  cwd?: string;
  /** How the CLI was run, for the commands its errors suggest (the plain `iam-api` without). */
  invocation?: Invocation;
}

/** Signed with the identity's own credentials: its IAM policy, not this CLI, confines it to its prefix. */
export function s3Client({ region, session, env }: FilesContext): S3Client {
  const loopback = Boolean(env[TEST_ENDPOINT_ENV.s3]);
  return new S3Client({
    ...clientConfig(region, "s3", env),
    credentials: session.credentials,
    // Emulators serve buckets by path and implement no flexible checksums.
    ...(loopback && { forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED" as const }),
  });
}

/** A name below the user's own prefix (the rule is core's `isFileName`); the full key is `private/<identityId>/<name>`. */
export function ownKey(session: Session, name: string): string {
  const key = ownFileKey(session.identityId, name);
  if (key === undefined) {
    throw new CliError(
      "InvalidKey",
      `"${name}" is not a file name: use a relative name such as notes.txt or docs/notes.txt.`,
    );
  }
  return key;
}

/**
 * One PutObject of the file's bytes, read first: the SDK retries a request whose body is a buffer
 * (a dropped connection, throttling, a 5xx), never one whose body is a stream it has consumed.
 */
export async function uploadFile(context: FilesContext, file: string, name = basename(file)): Promise<FileEntry> {
  const key = ownKey(context.session, name);
  const body = await fileContent(file, context.cwd);
  const s3 = s3Client(context);
  await send(context, name, () => s3.send(new PutObjectCommand({ Bucket: context.bucket, Key: key, Body: body })));
  return { name, key, size: body.length };
}

export async function listFiles(context: FilesContext): Promise<{ prefix: string; files: FileEntry[] }> {
  const s3 = s3Client(context);
  const files: FileEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await send(context, "", () => listOwnFiles(s3, context.bucket, context.session.identityId, cursor));
    files.push(...page.files);
    cursor = page.nextCursor;
  } while (cursor);
  return { prefix: ownFilesPrefix(context.session.identityId), files };
}

/** Writes the object to `file`, or to `output` (stdout) when file is `-`. */
export async function downloadFile(
  context: FilesContext,
  name: string,
  file: string,
  output: NodeJS.WritableStream,
): Promise<{ name: string; key: string; file: string }> {
  const key = ownKey(context.session, name);
  const s3 = s3Client(context);
  const object = await send(context, name, () => s3.send(new GetObjectCommand({ Bucket: context.bucket, Key: key })));
  await pipeline(object.Body as Readable, file === "-" ? output : createWriteStream(file));
  return { name, key, file };
}

export async function removeFile(context: FilesContext, name: string): Promise<{ name: string; key: string }> {
  const key = ownKey(context.session, name);
  const s3 = s3Client(context);
  await send(context, name, () => s3.send(new DeleteObjectCommand({ Bucket: context.bucket, Key: key })));
  return { name, key };
}

async function fileContent(file: string, cwd = process.cwd()): Promise<Buffer> {
  const path = resolve(cwd, file);
  try {
    if ((await stat(path)).isFile()) return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_FS_FILE_TOO_LARGE")
      throw new CliError(
        "FileTooLarge",
        `${file} is larger than this CLI uploads in one request (2 GiB): upload it with the AWS CLI (\`aws s3 cp\`) instead.`,
      );
    if (code !== "ENOENT") throw error;
  }
  throw new CliError("FileNotFound", `${file} is not a file: pass the path of the file to upload.`);
}

async function send<T>(context: FilesContext, name: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw await s3Failure(context, name, error);
  }
}

const listHint = (context: FilesContext) =>
  `\`${(context.invocation ?? DEFAULT_INVOCATION).command("ls")}\` lists them`;
const SIGN_IN_AGAIN = "log in again with the current outputs";

/** An S3 failure as the CliError the user sees; a 403 on a missing key is told apart from a real denial. */
async function s3Failure(context: FilesContext, name: string, error: unknown): Promise<CliError> {
  const code = errorName(error);
  if (code === "NoSuchKey" || code === "NotFound")
    return new CliError("FileNotFound", noSuchFile(name, listHint(context)));
  if (code === "AccessDenied" || code === "Forbidden") {
    // S3 answers 403, not 404, for a missing key when the caller may list only under a prefix
    // condition (this app's policy): a listing of exactly that key, which the policy allows, tells which.
    if (name && (await isMissing(context, name)))
      return new CliError("FileNotFound", noSuchFile(name, listHint(context)));
    return new CliError("AccessDenied", storageDenied(context.bucket, "access", SIGN_IN_AGAIN));
  }
  if (code === "ExpiredToken")
    return new CliError(
      "SessionExpired",
      sessionExpired(`log in again with \`${(context.invocation ?? DEFAULT_INVOCATION).command("login")}\``),
    );
  if (code === "InvalidAccessKeyId")
    return new CliError("AccessDenied", storageDenied(context.bucket, `the credentials (${code})`, SIGN_IN_AGAIN));
  if (code === "NoSuchBucket") {
    return new CliError(
      "StaleOutputs",
      `Bucket ${context.bucket} does not exist: the outputs may belong to a removed stage; run \`npx sst deploy\`.`,
    );
  }
  return commonAwsError(error, SERVICE) ?? unexpectedAwsError(error, SERVICE);
}

/** True when a listing of the caller's own prefix shows no object named `name`; false when that listing is refused too. */
async function isMissing(context: FilesContext, name: string): Promise<boolean> {
  const key = ownKey(context.session, name);
  try {
    const listing = await s3Client(context).send(
      new ListObjectsV2Command({ Bucket: context.bucket, Prefix: key, MaxKeys: 1 }),
    );
    return !(listing.Contents ?? []).some((object) => object.Key === key);
  } catch {
    return false;
  }
}
