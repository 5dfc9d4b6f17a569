// The security headers CloudFront adds to every response of the site (SST 4.17.1's Router sends
// none of its own): HSTS, nosniff, no referrer, no framing, and the part of the Content-Security-Policy
// that names no endpoint. The endpoint-specific part (connect-src) is a <meta> tag the web build
// writes: the Router exists before the API and the bucket, so its headers cannot depend on them
// (packages/client/src/site-security.ts). A response headers policy rather than the Router's
// `edge.viewerResponse` function: no code runs per request, and the headers are data a test can read.
import {
  HEADER_CONTENT_SECURITY_POLICY,
  HSTS_MAX_AGE_SECONDS,
  REFERRER_POLICY,
} from "@iam-auth-api/client/site-security";

/** On the Router's distribution (infra/web-origins.ts); `sst dev` serves the site from Vite, with neither. */
export const webSecurityHeaders = $dev
  ? undefined
  : new aws.cloudfront.ResponseHeadersPolicy("WebSecurityHeaders", {
      comment: "Security headers for the web client",
      securityHeadersConfig: {
        // `override`: these win over anything an origin sends.
        contentSecurityPolicy: { contentSecurityPolicy: HEADER_CONTENT_SECURITY_POLICY, override: true },
        strictTransportSecurity: {
          accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
          includeSubdomains: false,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: REFERRER_POLICY, override: true },
        // frame-ancestors' older spelling, for browsers that predate CSP level 2.
        frameOptions: { frameOption: "DENY", override: true },
      },
    });
