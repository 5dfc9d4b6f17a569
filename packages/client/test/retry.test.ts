import { describe, expect, test } from "vitest";
import { apiMessage } from "../src/messages";
import { MAX_ATTEMPTS, isIdempotent, isTransientStatus, retryAfterMs, retryDelayMs } from "../src/retry";

describe("when to retry", () => {
  test("three attempts in all, only idempotent methods, only throttling and server errors", () => {
    expect(MAX_ATTEMPTS).toBe(3);
    expect(["GET", "head", "PUT", "DELETE", "OPTIONS"].every(isIdempotent)).toBe(true);
    expect(["POST", "PATCH"].some(isIdempotent)).toBe(false);
    expect([429, 500, 502, 503, 504].every(isTransientStatus)).toBe(true);
    expect([400, 403, 404, 409].some(isTransientStatus)).toBe(false);
  });
});

describe("how long to wait", () => {
  test("Retry-After in seconds or as an HTTP date is honoured", () => {
    expect(retryAfterMs("2")).toBe(2000);
    const now = Date.parse("2026-11-26T10:00:00Z");
    expect(retryAfterMs("Thu, 26 Nov 2026 10:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Thu, 26 Nov 2026 09:59:00 GMT", now)).toBe(0);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryDelayMs(1, 2000, { random: () => 0 })).toBe(2000);
  });

  test("without it, full jitter: up to base · 2^(attempt-1)", () => {
    expect(retryDelayMs(1, undefined, { baseMs: 200, random: () => 1 })).toBe(200);
    expect(retryDelayMs(2, undefined, { baseMs: 200, random: () => 1 })).toBe(400);
    expect(retryDelayMs(2, undefined, { baseMs: 200, random: () => 0.5 })).toBe(200);
    expect(retryDelayMs(2, undefined, { baseMs: 200, random: () => 0 })).toBe(0);
  });
});

describe("the API's own message", () => {
  test("from `message` (API Gateway) or `error` (this app's handlers), without its final period", () => {
    expect(apiMessage('{"message":"Forbidden"}')).toBe("Forbidden");
    expect(apiMessage('{"error":"The cursor is not valid: pass the nextCursor of a previous page."}')).toBe(
      "The cursor is not valid: pass the nextCursor of a previous page",
    );
    expect(apiMessage("<html>Bad gateway</html>")).toBeUndefined();
    expect(apiMessage('{"message":"  "}')).toBeUndefined();
  });
});
