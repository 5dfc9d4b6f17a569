import { FILES_ROOT } from "@iam-auth-api/core/files";
import { webOrigins } from "./web-origins";

// Per-user files live under private/<identity id>/. The bucket stays private: callers reach
// their own prefix with their identity pool credentials (see auth.ts), never through a public URL.
export const bucket = new sst.aws.Bucket("Uploads", {
  // Production keeps every version, so an overwrite or delete by a user can be undone.
  versioning: $app.protect,
  cors: {
    // CORS only lets a browser read the responses of SigV4-signed requests; the signature and
    // the identity pool role decide what a caller may touch.
    allowOrigins: webOrigins,
    // POST starts and completes a multipart upload; its parts are PUTs.
    allowMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"],
    allowHeaders: ["*"],
    // A browser completes a multipart upload with each part's ETag, which it may read only if exposed.
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

/** How long a deleted or overwritten file stays recoverable in production before S3 deletes its bytes. */
const NONCURRENT_VERSION_DAYS = 30;

// SST 4.17.1's Bucket `lifecycle` option only expires current objects (bucket.ts), so the rules are
// a lifecycle configuration of their own. S3 keeps one per bucket: don't also set `lifecycle` above.
// Anyone can sign up and PUT straight to S3, past the API's throttle: these rules make sure
// what a user abandons or deletes stops costing money.
new aws.s3.BucketLifecycleConfiguration(
  "UploadsLifecycle",
  {
    bucket: bucket.name,
    rules: [
      {
        // Parts of an upload never completed are billed, and a user cannot even list them.
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
      ...($app.protect
        ? [
            {
              // With versioning a delete only adds a delete marker: the bytes go once the old
              // version has been noncurrent this long, then the marker left alone goes too.
              id: "expire-noncurrent-versions",
              status: "Enabled",
              filter: {},
              noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
              expiration: { expiredObjectDeleteMarker: true },
            },
          ]
        : []),
    ],
  },
  // After the bucket's versioning, as the provider advises for noncurrent-version rules; kept with
  // a retained production bucket, which must go on cleaning up after itself.
  { parent: bucket, dependsOn: [bucket], retainOnDelete: $app.protect },
);

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
