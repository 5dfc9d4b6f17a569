import { describe, expect, test } from "vitest";
import type { Evaluation } from "@iam-auth-api/infra-harness/evaluation";
import { apiAccessLog, inComponent, single } from "@iam-auth-api/infra-harness/graph";
import { useEvaluation } from "./fixtures";

/** What holds users' data: losing any of these loses accounts, identity ids or files. */
const DATA = {
  bucket: "aws:s3/bucket:Bucket",
  "user pool": "aws:cognito/userPool:UserPool",
  "identity pool": "aws:cognito/identityPool:IdentityPool",
};

/** One of DATA's resources; the bucket is the uploads bucket (the web client's assets have their own). */
const data = (app: Evaluation, type: string) =>
  type === DATA.bucket ? inComponent(app, "Uploads", type) : single(app, type);

describe("production", () => {
  const app = useEvaluation({ stage: "production" });

  test("retains the bucket, user pool and identity pool when removed", () => {
    for (const [what, type] of Object.entries(DATA))
      expect(data(app(), type).options.retainOnDelete, `${what} retainOnDelete`).toBe(true);
  });

  test("protects the stage from `sst remove`", () => {
    expect(app().app.protect, "app protect").toBe(true);
    expect(app().app.removal, "app removal").toBe("retain");
  });

  test("the user pool cannot be deleted while deletion protection is on", () => {
    expect(single(app(), DATA["user pool"]).inputs.deletionProtection, "user pool deletionProtection").toBe("ACTIVE");
  });

  test("the bucket is never emptied to be deleted, and keeps every version", () => {
    expect(data(app(), DATA.bucket).inputs.forceDestroy, "bucket forceDestroy").toBe(false);
    const versioning = single(app(), "aws:s3/bucketVersioning:BucketVersioning");
    expect(versioning.inputs.versioningConfiguration?.status, "bucket versioning status").toBe("Enabled");
  });

  test("keeps API access logs for a year", () => {
    const logGroup = apiAccessLog(app());
    expect(Number(logGroup?.inputs.retentionInDays), "access log retentionInDays").toBeGreaterThanOrEqual(365);
  });
});

describe("dev", () => {
  const app = useEvaluation({ stage: "dev" });

  test("removes the bucket, user pool and identity pool with the stage", () => {
    for (const [what, type] of Object.entries(DATA))
      expect(data(app(), type).options.retainOnDelete, `${what} retainOnDelete`).toBe(false);
    expect(app().app.protect, "app protect").toBe(false);
    expect(app().app.removal, "app removal").toBe("remove");
  });

  test("nothing stands in the way of removal", () => {
    expect(single(app(), DATA["user pool"]).inputs.deletionProtection, "user pool deletionProtection").toBe("INACTIVE");
    expect(data(app(), DATA.bucket).inputs.forceDestroy, "bucket forceDestroy").toBe(true);
  });
});
