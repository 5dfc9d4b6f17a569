import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import { listOwnFiles, type FileEntry } from "@iam-auth-api/core/list-files";
import { TEST_ENDPOINT_ENV, clientConfig, commonAwsError, errorName, unexpectedAwsError } from "./aws";
import { CliError } from "./cli-error";
import type { Session } from "./session-store";

const SERVICE = "S3";

export interface FilesContext {
  bucket: string;
  region: string;
  session: Session;
  env: NodeJS.ProcessEnv;
}

/** Signed with the identity's own credentials: its IAM policy, not this CLI, confines it to its prefix. */
function s3Client({ region, session, env }: FilesContext): S3Client {
  const loopback = Boolean(env[TEST_ENDPOINT_ENV.s3]);
  return new S3Client({
    ...clientConfig(region, "s3", env),
    credentials: session.credentials,
    // Emulators serve buckets by path and implement no flexible checksums.
    ...(loopback && { forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED" as const }),
  });
}

/** A name below the user's own prefix; the full key is `private/<identityId>/<name>`. */
export function ownKey(session: Session, name: string): string {
  if (!name || name.startsWith("/") || name.split("/").includes("..")) {
    throw new CliError("InvalidKey", `"${name}" is not a file name: use a relative name such as notes.txt or docs/notes.txt.`);
  }
  return ownFilesPrefix(session.identityId) + name;
}

export async function uploadFile(context: FilesContext, file: string, name = basename(file)): Promise<FileEntry> {
  const key = ownKey(context.session, name);
  const size = await fileSize(file);
  const s3 = s3Client(context);
  await send(context, name, () => s3.send(new PutObjectCommand({ Bucket: context.bucket, Key: key, Body: createReadStream(file), ContentLength: size })));
  return { name, key, size };
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
export async function downloadFile(context: FilesContext, name: string, file: string, output: NodeJS.WritableStream): Promise<{ name: string; key: string; file: string }> {
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

async function fileSize(file: string): Promise<number> {
  try {
    const stats = await stat(file);
    if (stats.isFile()) return stats.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  throw new CliError("FileNotFound", `${file} is not a file: pass the path of the file to upload.`);
}

async function send<T>(context: FilesContext, name: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const code = errorName(error);
    if (code === "NoSuchKey" || code === "NotFound") {
      throw new CliError("FileNotFound", `There is no file "${name}" in your storage: \`iam-api ls\` lists your files.`);
    }
    if (code === "AccessDenied" || code === "Forbidden" || code === "InvalidAccessKeyId" || code === "ExpiredToken") {
      throw new CliError(
        "AccessDenied",
        `S3 refused ${code === "AccessDenied" ? "access" : `the credentials (${code})`} to bucket ${context.bucket}: usually the Bucket output belongs to another stage or region, or the cached sign-in to another app; log in again with the current outputs.`,
      );
    }
    if (code === "NoSuchBucket") {
      throw new CliError("StaleOutputs", `Bucket ${context.bucket} does not exist: the outputs may belong to a removed stage; run \`npx sst deploy\`.`);
    }
    throw commonAwsError(error, SERVICE) ?? unexpectedAwsError(error, SERVICE);
  }
}
