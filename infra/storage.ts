import { FILES_ROOT } from "../packages/core/src/files";

// Per-user files live under private/<identity id>/. The bucket stays private: callers reach
// their own prefix with their identity pool credentials (see auth.ts), never through a public URL.
export const bucket = new sst.aws.Bucket("Uploads", {
  // Production keeps every version, so an overwrite or delete by a user can be undone.
  versioning: $app.protect,
  cors: {
    // CORS only lets a browser read the responses of SigV4-signed requests; the signature and
    // the identity pool role decide what a caller may touch.
    allowOrigins: ["*"],
    allowMethods: ["GET", "PUT", "DELETE", "HEAD"],
    allowHeaders: ["*"],
    exposeHeaders: ["ETag"],
    maxAge: "1 hour",
  },
  transform: {
    bucket: (args) => {
      // SST empties buckets on removal; a production bucket must survive `sst remove`.
      args.forceDestroy = !$app.protect;
    },
  },
});

// What the files Lambda may know and do with the bucket: its name, and listing the per-user
// prefixes. Linking the bucket itself would grant s3:* on every object.
export const uploadsListing = new sst.Linkable("UploadsListing", {
  properties: { name: bucket.name },
  include: [
    sst.aws.permission({
      actions: ["s3:ListBucket"],
      resources: [bucket.arn],
      conditions: [{ test: "StringLike", variable: "s3:prefix", values: [`${FILES_ROOT}*`] }],
    }),
  ],
});
