import { describe, expect, test } from "vitest";
import { type Evaluation, UNSERIALIZED_PROVIDER } from "../src/evaluation";
import { evaluate, evaluateAll } from "../src/evaluate";
import { single } from "../src/graph";

const FIXTURE = "packages/infra-harness/test/fixtures/secrets.config.ts";

const tags = (evaluation: Evaluation) => single(evaluation, "aws:s3/bucket:Bucket").inputs.tags;

describe("the harness", () => {
  test("hands secrets and environment to the program as `sst` would", async () => {
    const evaluation = await evaluate({
      stage: "dev",
      config: FIXTURE,
      secrets: { ProbeSecret: "from-secret" },
      env: { PROBE_SETTING: "from-env" },
    });
    expect(
      single(evaluation, "aws:s3/bucket:Bucket").inputs.tags,
      "values read through sst.Secret and process.env",
    ).toEqual({
      secret: "from-secret",
      environment: "from-env",
    });
  });

  test("fails with the program's own error, raised inside .apply(), instead of hanging", async () => {
    await expect(evaluate({ stage: "dev", config: FIXTURE }), "evaluation without the secret").rejects.toThrow(
      "Set a value for ProbeSecret with `sst secret set ProbeSecret <value>`",
    );
  });

  test("scenarios evaluated in one process each get a fresh app and only their own environment and secrets", async () => {
    // Not cached, these two run in one child process, the second after the first (evaluate.ts).
    const [first, second] = await Promise.all(
      evaluateAll([
        { stage: "dev", config: FIXTURE, secrets: { ProbeSecret: "first" }, env: { PROBE_SETTING: "first" } },
        { stage: "dev", config: FIXTURE, secrets: { ProbeSecret: "second" } },
      ]),
    );
    expect(tags(first), "the first scenario's values").toEqual({ secret: "first", environment: "first" });
    // `single` finds the second's own bucket: the app's modules ran again, not once for the process.
    expect(tags(second), "the second scenario's, none of the first's").toEqual({
      secret: "second",
      environment: "unset",
    });
    // SST's random suffix, which a deployed stage keeps in its state: alike in every evaluation of a stage.
    const bucketName = (evaluation: Evaluation) => single(evaluation, "aws:s3/bucket:Bucket").inputs.bucket;
    expect(bucketName(first)).toMatch(/^harness-fixture-dev-probebucket-[a-z]{8}$/);
    expect(bucketName(second), "the same stage's bucket, evaluated again").toBe(bucketName(first));
  });

  test("records a placeholder for SST's dynamic providers' code, which only a deploy runs", async () => {
    const dynamic = (await evaluate({ stage: "dev" })).resources.filter(
      (resource) => resource.type === "pulumi-nodejs:dynamic:Resource",
    );
    expect(dynamic.map((resource) => resource.name)).toContain("WebInvalidation.sst.aws.DistributionInvalidation");
    expect(new Set(dynamic.map((resource) => resource.inputs.__provider))).toEqual(new Set([UNSERIALIZED_PROVIDER]));
  });
});
