import { describe, expect, test } from "vitest";
import { siteHeadersOf } from "@iam-auth-api/infra-harness/site-headers";
import { STAGES, useEvaluation } from "./fixtures";

const directives = (policy: string) => policy.split(";").map((directive) => directive.trim());

describe.each(STAGES)("the site's security headers (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const headers = () => siteHeadersOf(app());

  test("HSTS for at least a year, nosniff, no referrer, no framing", () => {
    const maxAge = Number(/^max-age=(\d+)/.exec(headers()["strict-transport-security"] ?? "")?.[1]);
    expect(maxAge, "HSTS max-age").toBeGreaterThanOrEqual(365 * 24 * 3600);
    expect(headers()["x-content-type-options"], "X-Content-Type-Options").toBe("nosniff");
    expect(headers()["referrer-policy"], "Referrer-Policy").toBe("no-referrer");
    expect(headers()["x-frame-options"], "X-Frame-Options").toBe("DENY");
  });

  test("a CSP header that forbids framing, plugins and <base>, and names no endpoint", () => {
    const csp = directives(headers()["content-security-policy"] ?? "");
    for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"])
      expect(csp, "Content-Security-Policy header").toContain(directive);
    // The header is enforced beside the page's own policy (connect-src with the stage's endpoints):
    // a default-src or connect-src here would also have to allow them, which the Router cannot know.
    expect(
      csp.filter((directive) => /^(default|connect)-src\b/.test(directive)),
      "fetch directives in the header",
    ).toEqual([]);
  });
});
