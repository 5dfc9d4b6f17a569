import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { ownFilesPrefix } from "./files";
import { HttpError } from "./http";

export interface FileEntry {
  /** Path below the caller's own prefix, as the client names it. */
  name: string;
  /** Full object key, `private/<identityId>/<name>`. */
  key: string;
  size: number;
  lastModified?: string;
}

export interface FilePage {
  prefix: string;
  files: FileEntry[];
  /** Pass back as `?cursor=` for the next page; absent on the last page. */
  nextCursor?: string;
}

const PAGE_SIZE = 1000;

/** One page of the objects under the identity's own prefix, and never anyone else's. */
export async function listOwnFiles(
  s3: S3Client,
  bucket: string,
  identityId: string,
  cursor?: string,
): Promise<FilePage> {
  const prefix = ownFilesPrefix(identityId);
  try {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: PAGE_SIZE,
        ContinuationToken: cursor || undefined,
      }),
    );
    return {
      prefix,
      files: (page.Contents ?? []).map((object) => ({
        name: object.Key!.slice(prefix.length),
        key: object.Key!,
        size: object.Size ?? 0,
        lastModified: object.LastModified?.toISOString(),
      })),
      nextCursor: page.IsTruncated ? page.NextContinuationToken : undefined,
    };
  } catch (error) {
    if (cursor && (error as { name?: string }).name === "InvalidArgument") {
      throw new HttpError(
        400,
        "The cursor is not valid: pass the nextCursor of a previous page, or none for the first page.",
      );
    }
    throw error;
  }
}
