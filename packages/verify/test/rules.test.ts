import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { describe, expect, it } from "vitest";
import { preflightRefusal } from "../src/probe";
import { settle, settlingError } from "../src/settle";
import { PRODUCTION_STAGES } from "../src/stage";

const SITE = "https://d111111abcdef8.cloudfront.net";
const answer = (status: number, headers: Record<string, string>) => ({
  status,
  headers: new Headers(headers),
  body: "",
});
const SIGV4 = ["authorization", "x-amz-date", "x-amz-security-token"];

describe("preflightRefusal judges a preflight answer as the Fetch standard does", () => {
  it("admits the origin echoed with every requested header listed", () => {
    const admitted = answer(204, {
      "access-control-allow-origin": SITE,
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": "authorization,x-amz-date,x-amz-security-token",
    });
    expect(preflightRefusal(admitted, SITE, "GET", SIGV4)).toBeUndefined();
  });

  it("refuses Authorization covered only by *, which the standard never lets a wildcard cover", () => {
    const wildcard = answer(204, {
      "access-control-allow-origin": SITE,
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": "*",
    });
    expect(preflightRefusal(wildcard, SITE, "GET", SIGV4)).toBe("Access-Control-Allow-Headers (*) lacks authorization");
    expect(preflightRefusal(wildcard, SITE, "GET", ["x-amz-date"])).toBeUndefined();
  });

  it("refuses another origin echoed, a missing one, a method not allowed, and a non-2xx answer", () => {
    const base = { "access-control-allow-methods": "GET", "access-control-allow-headers": SIGV4.join(",") };
    expect(
      preflightRefusal(
        answer(204, { ...base, "access-control-allow-origin": "https://elsewhere.example" }),
        SITE,
        "GET",
        SIGV4,
      ),
    ).toBe(`Access-Control-Allow-Origin is https://elsewhere.example, not ${SITE}`);
    expect(preflightRefusal(answer(204, base), SITE, "GET", SIGV4)).toBe(
      "no Access-Control-Allow-Origin in the answer",
    );
    expect(preflightRefusal(answer(200, { ...base, "access-control-allow-origin": SITE }), SITE, "PUT", SIGV4)).toBe(
      "Access-Control-Allow-Methods (get) lacks PUT",
    );
    expect(preflightRefusal(answer(403, {}), SITE, "PUT", SIGV4)).toBe("the preflight was answered 403");
  });
});

describe("settle waits out what a fresh deploy answers, for a bounded time", () => {
  const env = { IAM_API_TEST_RETRY_BASE_MS: "1", IAM_API_TEST_VERIFY_SETTLE_MS: "200" };
  const accessDenied = Object.assign(new Error("Access Denied"), { name: "AccessDenied" });

  it("retries AccessDenied until the operation succeeds, and says how often", async () => {
    let calls = 0;
    const settled = await settle(
      env,
      async () => {
        if (++calls < 3) throw accessDenied;
        return "ok";
      },
      (result) => ("error" in result ? settlingError(result.error) : undefined),
    );
    expect(settled.result).toEqual({ value: "ok" });
    expect(settled.retried).toMatch(/^retried 2× over [\d.]+ s after AccessDenied, as a fresh deploy settles$/);
  });

  it("answers any other error at once, and gives up on AccessDenied at the bound", async () => {
    let calls = 0;
    const other = await settle(
      env,
      async () => {
        calls++;
        throw Object.assign(new Error("no"), { name: "NoSuchBucket" });
      },
      (result) => ("error" in result ? settlingError(result.error) : undefined),
    );
    expect(calls).toBe(1);
    expect(other.retried).toBeUndefined();
    const started = Date.now();
    const denied = await settle(
      env,
      async () => {
        throw accessDenied;
      },
      (result) => ("error" in result ? settlingError(result.error) : undefined),
    );
    expect(denied.result).toEqual({ error: accessDenied });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("the stages verify treats as production", () => {
  it("are exactly those sst.config.ts protects", async () => {
    for (const stage of ["production", "prod", "dev", "local"]) {
      const { protect } = (await evaluate({ stage })).app;
      expect(PRODUCTION_STAGES.includes(stage), `stage ${stage}`).toBe(protect);
    }
  }, 60_000);
});
