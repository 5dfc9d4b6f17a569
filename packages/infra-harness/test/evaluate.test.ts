import { describe, expect, test } from "vitest";
import { evaluate } from "../src/evaluate";
import { single } from "../src/graph";

const FIXTURE = "packages/infra-harness/test/fixtures/secrets.config.ts";

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
});
