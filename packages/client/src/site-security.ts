// The security headers the web client is served with, and the Content-Security-Policy its page
// carries. Two parts, because of a dependency cycle: the site's CloudFront Router must exist before
// the API and the bucket (their CORS admits its URL, infra/web-origins.ts), so the headers it sends
// cannot name their endpoints. It sends what needs no endpoint (frame-ancestors works only as a
// header); the Vite build writes the endpoint-specific policy into the page as a <meta> tag, from
// the same VITE_* settings the app connects with. A browser enforces both: a request must pass each.
// With its extension: Node (the harness) and Vite's config loader read this file as it is.
import { VITE_NAMES } from "./settings.ts";

/** Two years, as hstspreload.org asks; no includeSubDomains: a custom domain's other hosts are not this app's to decide. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** The site's CSP header: no framing (clickjacking the Delete button), no plugins, no <base> or form redirection. */
export const HEADER_CONTENT_SECURITY_POLICY =
  "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** Referrer-Policy: the page's URL goes nowhere. */
export const REFERRER_POLICY = "no-referrer";

/** Where the page's scripts may connect: the four services the app calls, by origin. */
export interface PageEndpoints {
  cognitoIdp: string;
  cognitoIdentity: string;
  api: string;
  s3: string;
}

/** A URL's origin (`https://host[:port]`), the form a CSP source takes here; undefined for a missing or malformed value. */
function originOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The endpoints a build of the web client connects to, from its build-time variables: AWS's regional
 * endpoints (the bucket virtual-hosted, as the app addresses it), or the loopback doubles' when a
 * test build sets `VITE_TEST_ENDPOINT_*`. Missing settings are left out (such a build cannot connect).
 */
export function pageEndpoints(env: Record<string, string | undefined>): Partial<PageEndpoints> {
  const region = env[VITE_NAMES.region];
  const bucket = env[VITE_NAMES.bucket];
  const aws = (host: string | undefined) => (region && host ? `https://${host}.${region}.amazonaws.com` : undefined);
  const endpoints = {
    cognitoIdp: originOf(env.VITE_TEST_ENDPOINT_COGNITO_IDP) ?? aws("cognito-idp"),
    cognitoIdentity: originOf(env.VITE_TEST_ENDPOINT_COGNITO_IDENTITY) ?? aws("cognito-identity"),
    api: originOf(env[VITE_NAMES.apiUrl]),
    s3: originOf(env.VITE_TEST_ENDPOINT_S3) ?? (bucket ? aws(`${bucket}.s3`) : undefined),
  };
  return Object.fromEntries(Object.entries(endpoints).filter(([, origin]) => origin)) as Partial<PageEndpoints>;
}

/** The page's own CSP: its scripts, styles and images from the site only, connections to exactly its endpoints. */
export function pageContentSecurityPolicy(endpoints: Partial<PageEndpoints>): string {
  const connect = [...new Set(Object.values(endpoints))].join(" ");
  return `default-src 'self'; connect-src ${connect || "'none'"}; object-src 'none'; base-uri 'none'; form-action 'none'`;
}
