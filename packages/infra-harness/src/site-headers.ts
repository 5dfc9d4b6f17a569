// The HTTP headers the site's CloudFront distribution adds to every response, read from the app's
// offline evaluation: the browser tests serve the page with exactly these.
import { evaluate } from "./evaluate";
import type { Json, Evaluation } from "./evaluation";
import { ofType, referencedBy } from "./graph";

const POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy";

/** Each security header setting of a response headers policy, as the header CloudFront sends. */
const HEADERS: Record<string, (config: Json) => [string, string]> = {
  contentSecurityPolicy: (config) => ["content-security-policy", config.contentSecurityPolicy],
  strictTransportSecurity: (config) => [
    "strict-transport-security",
    `max-age=${config.accessControlMaxAgeSec}${config.includeSubdomains ? "; includeSubDomains" : ""}${config.preload ? "; preload" : ""}`,
  ],
  contentTypeOptions: () => ["x-content-type-options", "nosniff"],
  referrerPolicy: (config) => ["referrer-policy", config.referrerPolicy],
  frameOptions: (config) => ["x-frame-options", config.frameOption],
};

/**
 * The headers the site's distribution sends (lower-case names), from the response headers policy on
 * its default cache behaviour; none when it has no policy. Fails on a setting it cannot translate,
 * so a header infra/ adds cannot silently go missing from the tests.
 */
export function siteHeadersOf(evaluation: Evaluation): Record<string, string> {
  const [distribution] = ofType(evaluation, "aws:cloudfront/distribution:Distribution").filter(
    (candidate) => `https://${candidate.outputs.domainName}` === evaluation.outputs.Web,
  );
  const policyId = distribution?.inputs.defaultCacheBehavior?.responseHeadersPolicyId;
  if (!policyId) return {};
  const policy = referencedBy(evaluation, POLICY, "id", policyId);
  if (!policy)
    throw new Error(`The site's response headers policy ${policyId} is not in stage ${evaluation.app.stage}`);
  return responseHeaders(policy.inputs);
}

/** The headers a response headers policy (its inputs) makes CloudFront send, lower-case names. */
export function responseHeaders(inputs: Record<string, Json>): Record<string, string> {
  const unknown = [
    ...Object.keys(inputs).filter((key) => !["comment", "name", "securityHeadersConfig"].includes(key)),
    ...Object.keys(inputs.securityHeadersConfig ?? {}).filter((key) => !HEADERS[key]),
  ];
  if (unknown.length) throw new Error(`site-headers.ts cannot translate response headers policy settings: ${unknown}`);
  return Object.fromEntries(
    Object.entries(inputs.securityHeadersConfig ?? {}).map(([key, config]) => HEADERS[key](config)),
  );
}

/** The site's headers as infra/ configures them for a deployed `stage` (dev deploys one too; `sst dev` does not). */
export async function infraSiteHeaders(stage = "dev"): Promise<Record<string, string>> {
  return siteHeadersOf(await evaluate({ stage }));
}
