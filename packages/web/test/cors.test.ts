import { apiPreflight, bucketPreflight, type LoopbackCors } from "@iam-auth-api/loopback/cors";
import { beforeAll, describe, expect, test } from "vitest";
import { PAGE_ORIGIN } from "@iam-auth-api/loopback/web-app";
import { infraCors } from "@iam-auth-api/infra-harness/cors";

/** What a browser asks to send with a SigV4-signed request (aws4fetch, Amplify, the SDK all sign these). */
const SIGV4_HEADERS = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

let cors: LoopbackCors;
beforeAll(async () => {
  cors = await infraCors("dev");
}, 120_000);

const refusal = (answer: ReturnType<typeof apiPreflight>) => ("refusal" in answer ? answer.refusal : undefined);

describe("CORS as infra/ configures it, judged as a strict browser would (dev stage, page at the Vite dev origin)", () => {
  test("the API admits a SigV4-signed call: Authorization listed, not left to a wildcard", () => {
    for (const method of ["GET"]) {
      const answer = apiPreflight(cors.api, { origin: PAGE_ORIGIN, method, headers: SIGV4_HEADERS });
      expect(refusal(answer), `preflight of a signed ${method} to the API`).toBeUndefined();
    }
  });

  test("the bucket admits signed GET, PUT, DELETE and the POSTs of a multipart upload, and exposes ETag", () => {
    for (const method of ["GET", "PUT", "DELETE", "POST"]) {
      const answer = bucketPreflight(cors.bucket, {
        origin: PAGE_ORIGIN,
        method,
        headers: [...SIGV4_HEADERS, "content-type"],
      });
      expect(
        "refusal" in answer ? answer.refusal : undefined,
        `preflight of a signed ${method} to the bucket`,
      ).toBeUndefined();
      if ("headers" in answer)
        expect(
          String(answer.headers["access-control-expose-headers"]).toLowerCase(),
          `${method}: headers a browser may read`,
        ).toContain("etag");
    }
  });
});

describe("the API double's preflight rule (planted configurations)", () => {
  const signedGet = { origin: PAGE_ORIGIN, method: "GET", headers: SIGV4_HEADERS };

  test("a wildcard never covers Authorization (Fetch standard), whatever Chromium lets through", () => {
    expect(refusal(apiPreflight({ allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"] }, signedGet))).toMatch(
      /Authorization/,
    );
  });

  test("listed SigV4 headers pass; a missing one, another origin or method does not", () => {
    const listed = {
      allowOrigins: [PAGE_ORIGIN],
      allowMethods: ["GET"],
      allowHeaders: [...SIGV4_HEADERS, "content-type"],
      maxAge: 600,
    };
    const answer = apiPreflight(listed, signedGet);
    expect(answer).toEqual({
      headers: expect.objectContaining({ "access-control-allow-origin": PAGE_ORIGIN, "access-control-max-age": "600" }),
    });
    expect(refusal(apiPreflight({ ...listed, allowHeaders: ["authorization", "x-amz-date"] }, signedGet))).toMatch(
      /x-amz-security-token/,
    );
    expect(refusal(apiPreflight(listed, { ...signedGet, origin: "https://elsewhere.example" }))).toMatch(/origin/);
    expect(refusal(apiPreflight(listed, { ...signedGet, method: "DELETE" }))).toMatch(/method/);
  });

  test("the bucket refuses a method no rule allows", () => {
    const rules = [
      { allowedOrigins: ["*"], allowedMethods: ["GET", "PUT"], allowedHeaders: ["*"], exposeHeaders: ["ETag"] },
    ];
    expect("refusal" in bucketPreflight(rules, { origin: PAGE_ORIGIN, method: "POST", headers: SIGV4_HEADERS })).toBe(
      true,
    );
    expect("headers" in bucketPreflight(rules, { origin: PAGE_ORIGIN, method: "PUT", headers: SIGV4_HEADERS })).toBe(
      true,
    );
  });
});
