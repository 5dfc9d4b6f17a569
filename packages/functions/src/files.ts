import { S3Client } from "@aws-sdk/client-s3";
import { cognitoCaller } from "@iam-auth-api/core/caller";
import { route } from "@iam-auth-api/core/http";
import { listOwnFiles } from "@iam-auth-api/core/list-files";
import { Resource } from "sst/resource";

const s3 = new S3Client({});

export const handler = route(async (event) => {
  const caller = cognitoCaller(event);
  return listOwnFiles(s3, Resource.UploadsListing.name, caller.identityId, event.queryStringParameters?.cursor);
});
