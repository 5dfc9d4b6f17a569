/**
 * CORS the way the AWS services answer it, for browsers calling the loopback doubles from another
 * origin. The configurations are the app's own (the test reads them from the offline evaluation of
 * infra/ and passes them in); nothing here knows what the app allows.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";

/** An `aws.apigatewayv2.Api`'s `corsConfiguration`, as infra/ evaluates it. */
export interface ApiCorsConfiguration {
  allowOrigins?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
  allowCredentials?: boolean;
}

/** One rule of an `aws.s3.BucketCorsConfiguration`'s `corsRules`, as infra/ evaluates it. */
export interface BucketCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

/** A preflight a double refused, and why: what a browser's console would say. */
export interface CorsRefusal {
  service: "api" | "s3";
  origin: string;
  method: string;
  headers: string[];
  reason: string;
}

type CorsAnswer = { headers: OutgoingHttpHeaders } | { refusal: string };

const lower = (values: string[] = []) => values.map((value) => value.toLowerCase());

/** The browser's request, when it is a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
export function preflightOf(
  request: IncomingMessage,
): { origin: string; method: string; headers: string[] } | undefined {
  const origin = request.headers.origin;
  const method = request.headers["access-control-request-method"];
  if (request.method !== "OPTIONS" || !origin || typeof method !== "string") return undefined;
  const headers = String(request.headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  return { origin, method, headers };
}

/** S3's and API Gateway's origin patterns: `*`, an exact origin, or one `*` inside (`https://*.example.com`). */
function matches(patterns: string[], value: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === "*") return true;
    const [head, tail, ...rest] = pattern.split("*");
    if (tail === undefined) return pattern.toLowerCase() === value.toLowerCase();
    return (
      rest.length === 0 && value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail)
    );
  });
}

/**
 * API Gateway HTTP API: it answers the preflight itself from the API's CORS configuration, without
 * calling a route. Chromium then judges the answer, except for one rule it does not enforce
 * (checked on Chromium 156): `*` in Access-Control-Allow-Headers never covers `Authorization` in
 * the Fetch standard. A strict browser refuses such a preflight, so this double refuses it too.
 */
export function apiPreflight(
  cors: ApiCorsConfiguration,
  preflight: { origin: string; method: string; headers: string[] },
): CorsAnswer {
  if (!matches(cors.allowOrigins ?? [], preflight.origin))
    return { refusal: `origin ${preflight.origin} is not in allowOrigins` };
  const methods = lower(cors.allowMethods).map((method) => method.toUpperCase());
  if (!methods.includes("*") && !methods.includes(preflight.method.toUpperCase()))
    return { refusal: `method ${preflight.method} is not in allowMethods` };
  const allowHeaders = lower(cors.allowHeaders);
  if (preflight.headers.includes("authorization") && !allowHeaders.includes("authorization")) {
    return { refusal: "Authorization is requested but not listed in allowHeaders (a wildcard never covers it)" };
  }
  const missing = preflight.headers.filter((name) => !allowHeaders.includes(name) && !allowHeaders.includes("*"));
  if (missing.length) return { refusal: `headers ${missing.join(", ")} are not in allowHeaders` };
  return {
    headers: {
      "access-control-allow-origin":
        cors.allowOrigins?.includes("*") && !cors.allowCredentials ? "*" : preflight.origin,
      "access-control-allow-methods": methods.join(","),
      "access-control-allow-headers": allowHeaders.join(","),
      ...(cors.maxAge !== undefined && { "access-control-max-age": String(cors.maxAge) }),
      ...(cors.allowCredentials && { "access-control-allow-credentials": "true" }),
      vary: "origin",
    },
  };
}

/** API Gateway's CORS headers on an answered request from `origin` (none for an origin it does not allow). */
function apiResponseHeaders(cors: ApiCorsConfiguration, origin: string | undefined): OutgoingHttpHeaders {
  if (!origin || !matches(cors.allowOrigins ?? [], origin)) return {};
  return {
    "access-control-allow-origin": cors.allowOrigins?.includes("*") && !cors.allowCredentials ? "*" : origin,
    ...(cors.exposeHeaders?.length && { "access-control-expose-headers": cors.exposeHeaders.join(",") }),
    ...(cors.allowCredentials && { "access-control-allow-credentials": "true" }),
    vary: "origin",
  };
}

/** S3 uses the first rule that allows the origin, the method and every requested header. */
function bucketRule(
  rules: BucketCorsRule[],
  origin: string,
  method: string,
  headers: string[],
): BucketCorsRule | undefined {
  return rules.find(
    (rule) =>
      matches(rule.allowedOrigins, origin) &&
      rule.allowedMethods.map((allowed) => allowed.toUpperCase()).includes(method.toUpperCase()) &&
      headers.every((name) => matches(lower(rule.allowedHeaders), name)),
  );
}

/** S3's answer to a preflight on the bucket: the matching rule's settings, requested headers echoed. */
export function bucketPreflight(
  rules: BucketCorsRule[],
  preflight: { origin: string; method: string; headers: string[] },
): CorsAnswer {
  const rule = bucketRule(rules, preflight.origin, preflight.method, preflight.headers);
  if (!rule)
    return {
      refusal: `no CORS rule of the bucket allows ${preflight.method} from ${preflight.origin} with ${preflight.headers.join(", ") || "no headers"}`,
    };
  return {
    headers: {
      "access-control-allow-origin": rule.allowedOrigins.includes("*") ? "*" : preflight.origin,
      "access-control-allow-methods": rule.allowedMethods.join(", "),
      ...(preflight.headers.length && { "access-control-allow-headers": preflight.headers.join(", ") }),
      ...(rule.exposeHeaders?.length && { "access-control-expose-headers": rule.exposeHeaders.join(", ") }),
      ...(rule.maxAgeSeconds !== undefined && { "access-control-max-age": String(rule.maxAgeSeconds) }),
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    },
  };
}

/** S3's CORS headers on a request from `origin`, from the first rule allowing its origin and method. */
function bucketResponseHeaders(
  rules: BucketCorsRule[],
  origin: string | undefined,
  method: string,
): OutgoingHttpHeaders {
  const rule = origin ? bucketRule(rules, origin, method, []) : undefined;
  if (!rule) return {};
  return {
    "access-control-allow-origin": rule.allowedOrigins.includes("*") ? "*" : origin,
    "access-control-allow-methods": rule.allowedMethods.join(", "),
    ...(rule.exposeHeaders?.length && { "access-control-expose-headers": rule.exposeHeaders.join(", ") }),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
}

/** What the app's infra/ configures, read from its offline evaluation by the caller of `startLoopback`. */
export interface LoopbackCors {
  api: ApiCorsConfiguration;
  bucket: BucketCorsRule[];
}

interface ServiceCors {
  /** The answer to a preflight: status and headers, and a refusal reason when no CORS headers are given. */
  preflight(preflight: { origin: string; method: string; headers: string[] }): {
    status: number;
    headers: OutgoingHttpHeaders;
    refusal?: string;
  };
  /** The CORS headers on the answer to an actual request. */
  responseHeaders(request: IncomingMessage): OutgoingHttpHeaders;
}

/**
 * How each double answers CORS. Cognito's endpoints answer any origin. API Gateway and S3 answer
 * from the app's configuration; without one (the CLI's tests) they answer no browser, as AWS does
 * for an API or bucket without CORS.
 */
export function serviceCors(
  service: "cognitoIdp" | "cognitoIdentity" | "api" | "s3",
  cors: LoopbackCors | undefined,
): ServiceCors {
  if (service === "cognitoIdp" || service === "cognitoIdentity") {
    return {
      preflight: ({ headers }) => ({
        status: 200,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "POST",
          ...(headers.length && { "access-control-allow-headers": headers.join(",") }),
          "access-control-max-age": "86400",
        },
      }),
      responseHeaders: () => ({
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "x-amzn-requestid,x-amzn-errortype,x-amzn-errormessage,date",
      }),
    };
  }
  if (service === "api") {
    return {
      preflight: (preflight) => {
        const answer = cors ? apiPreflight(cors.api, preflight) : { refusal: "the API has no CORS configuration" };
        return "headers" in answer
          ? { status: 204, headers: answer.headers }
          : { status: 204, headers: {}, refusal: answer.refusal };
      },
      responseHeaders: (request) => (cors ? apiResponseHeaders(cors.api, request.headers.origin) : {}),
    };
  }
  return {
    preflight: (preflight) => {
      const answer = cors
        ? bucketPreflight(cors.bucket, preflight)
        : { refusal: "the bucket has no CORS configuration" };
      return "headers" in answer
        ? { status: 200, headers: answer.headers }
        : { status: 403, headers: {}, refusal: answer.refusal };
    },
    responseHeaders: (request) =>
      cors ? bucketResponseHeaders(cors.bucket, request.headers.origin, request.method ?? "GET") : {},
  };
}
