import { describe, expect, test } from "vitest";
import { FILES_ROOT } from "@iam-auth-api/core/files";
import type { Evaluation } from "@iam-auth-api/infra-harness/evaluation";
import { apiRoutes, identityPoolRole, inComponent, ofTypeInComponent } from "@iam-auth-api/infra-harness/graph";
import { decideForRole, decideWithResourcePolicy, sessionOf } from "./simulate";
import { identityPolicies } from "@iam-auth-api/infra-harness/policies";
import { PUBLIC_ACCESS_BLOCK_SETTINGS } from "@iam-auth-api/infra-harness/rules";
import { STAGES, useEvaluation } from "./fixtures";

/** The uploads bucket's own resources, by type: the app has other buckets (the web site's assets). */
const uploads = (app: Evaluation, type: string) => inComponent(app, "Uploads", type);

/** The bucket's enabled lifecycle rules that apply to every object (no prefix or tag filter). */
function wholeBucketRules(app: Evaluation): Record<string, any>[] {
  const configuration = uploads(app, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
  expect(configuration.inputs.bucket, "lifecycle configuration bucket").toBe(
    uploads(app, "aws:s3/bucket:Bucket").outputs.bucket,
  );
  return configuration.inputs.rules.filter(
    (rule: Record<string, any>) =>
      rule.status === "Enabled" && !rule.prefix && !rule.filter?.prefix && !rule.filter?.and && !rule.filter?.tag,
  );
}

describe.each(STAGES)("uploads bucket (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const bucket = () => uploads(app(), "aws:s3/bucket:Bucket");

  test("blocks every form of public access", () => {
    const block = uploads(app(), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(block.inputs.bucket, "public access block bucket").toBe(bucket().outputs.bucket);
    for (const setting of PUBLIC_ACCESS_BLOCK_SETTINGS) {
      expect(block.inputs[setting], `public access block ${setting}`).toBe(true);
    }
  });

  test("refuses requests that do not use TLS, even the owner's", async () => {
    const bucketPolicy = uploads(app(), "aws:s3/bucketPolicy:BucketPolicy");
    expect(bucketPolicy.inputs.bucket, "bucket policy bucket").toBe(bucket().outputs.bucket);
    const authenticatedRole = identityPoolRole(app(), "authenticated");
    for (const [action, resource] of [
      ["s3:GetObject", `${bucket().outputs.arn}/${FILES_ROOT}x/y.txt`],
      ["s3:ListBucket", bucket().outputs.arn],
    ]) {
      const decision = await decideWithResourcePolicy(
        sessionOf(authenticatedRole),
        identityPolicies(app(), authenticatedRole),
        {
          action,
          resource,
          resourcePolicy: JSON.parse(bucketPolicy.inputs.policy),
          context: { "aws:SecureTransport": "false" },
        },
      );
      expect(decision, `${action} without TLS`).toBe("ExplicitlyDenied");
    }
  });

  test("aborts incomplete multipart uploads after 1 day", () => {
    const abort = wholeBucketRules(app())
      .map((rule) => rule.abortIncompleteMultipartUpload?.daysAfterInitiation)
      .filter(Boolean);
    expect(abort, "abortIncompleteMultipartUpload.daysAfterInitiation of the whole-bucket rules").toEqual([1]);
  });

  describe("the files Lambda", () => {
    const filesRoute = () => apiRoutes(app()).find((route) => route.routeKey === "GET /files")!;
    const decide = (action: string, resource: string, context: Record<string, string> = {}) =>
      decideForRole(app(), filesRoute().role, { action, resource, context });

    test("may list the per-user prefixes", () => {
      expect(
        decide("s3:ListBucket", bucket().outputs.arn, { "s3:prefix": `${FILES_ROOT}someone/` }),
        "s3:ListBucket under the files root",
      ).toBe("Allowed");
    });

    test("may do nothing else with the bucket or its files", () => {
      expect(
        decide("s3:ListBucket", bucket().outputs.arn, { "s3:prefix": "" }),
        "s3:ListBucket of the whole bucket",
      ).not.toBe("Allowed");
      for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
        expect(
          decide(action, `${bucket().outputs.arn}/${FILES_ROOT}someone/file.txt`),
          `${action} by the files Lambda`,
        ).not.toBe("Allowed");
      }
      for (const action of ["s3:PutBucketPolicy", "s3:DeleteBucket"]) {
        expect(decide(action, bucket().outputs.arn), `${action} by the files Lambda`).not.toBe("Allowed");
      }
    });

    test("is the only Lambda that may reach the bucket", () => {
      for (const route of apiRoutes(app()).filter((candidate) => candidate.routeKey !== filesRoute().routeKey)) {
        const decision = decideForRole(app(), route.role, {
          action: "s3:ListBucket",
          resource: bucket().outputs.arn,
          context: { "s3:prefix": FILES_ROOT },
        });
        expect(decision, `s3:ListBucket by the ${route.routeKey} Lambda`).not.toBe("Allowed");
      }
    });
  });
});

describe("uploads bucket lifecycle and versions", () => {
  const production = useEvaluation({ stage: "production" });
  const dev = useEvaluation({ stage: "dev" });

  test("production: a deleted or overwritten version is kept a bounded number of days, then expires", () => {
    const days = wholeBucketRules(production())
      .map((rule) => rule.noncurrentVersionExpiration?.noncurrentDays)
      .filter(Boolean);
    expect(days, "noncurrentVersionExpiration.noncurrentDays").toHaveLength(1);
    // Long enough to undo a mistake, short enough that a delete becomes real within a billing quarter.
    expect(days[0], "noncurrent days").toBeGreaterThanOrEqual(7);
    expect(days[0], "noncurrent days").toBeLessThanOrEqual(90);
    expect(
      wholeBucketRules(production()).some((rule) => rule.expiration?.expiredObjectDeleteMarker === true),
      "a rule removes delete markers left with no versions behind them",
    ).toBe(true);
  });

  test("production: the lifecycle rules stay with the retained bucket", () => {
    expect(
      uploads(production(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").options.retainOnDelete,
      "lifecycle retainOnDelete",
    ).toBe(true);
  });

  test("dev: no versions to expire, and nothing kept when the stage goes", () => {
    expect(
      ofTypeInComponent(dev(), "Uploads", "aws:s3/bucketVersioning:BucketVersioning").length > 0,
      "dev bucket versioning",
    ).toBe(false);
    expect(
      wholeBucketRules(dev()).some((rule) => rule.noncurrentVersionExpiration),
      "dev noncurrentVersionExpiration",
    ).toBe(false);
    expect(
      uploads(dev(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").options.retainOnDelete,
      "lifecycle retainOnDelete",
    ).toBe(false);
  });
});
