/**
 * Requests as a browser or a stranger sends them: unsigned, CORS preflights, presigned URLs. Signed
 * API calls and S3 operations go through the CLI's own clients instead (http.ts, the AWS SDK).
 */
import { networkErrorCode } from "@iam-auth-api/cli/aws";
import { TEST_ENDPOINT_ENV } from "@iam-auth-api/cli/test-settings";
import type { TemporaryCredentials } from "@iam-auth-api/cli/session-store";
import { AwsV4Signer } from "aws4fetch";
import type { Stage } from "./stage";

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

const TIMEOUT_MS = 30_000;

/** An address that gave no answer at all (refused, not found, timed out): `code` is the network's code. */
export class Unreachable extends Error {
  constructor(
    readonly origin: string,
    readonly code: string,
  ) {
    super(`nothing answered at ${origin} (${code}): check that the stage is running and its outputs file is current`);
  }
}

export async function send(method: string, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new Unreachable(new URL(url).origin, networkErrorCode(error) ?? (error as Error).message);
  }
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** An object's URL as the web client builds it: virtual-hosted on AWS, path-style on a local endpoint. */
export function objectUrl(stage: Stage, key: string, query = ""): string {
  const path = key.split("/").map(encodeURIComponent).join("/") + query;
  const endpoint = stage.env[TEST_ENDPOINT_ENV.s3];
  if (endpoint) return `${endpoint.replace(/\/+$/, "")}/${stage.outputs.Bucket}/${path}`;
  return `https://${stage.outputs.Bucket}.s3.${stage.outputs.Region}.amazonaws.com/${path}`;
}

/**
 * The headers a browser asks a preflight for when the web client signs this request with aws4fetch
 * (its library): what the signer adds, plus the request's own; never `host`, which a browser sets itself.
 */
export async function signedHeaderNames(
  url: string,
  method: string,
  service: "execute-api" | "s3",
  region: string,
  credentials: TemporaryCredentials,
  own: Record<string, string> = {},
): Promise<string[]> {
  const signed = await new AwsV4Signer({ url, method, headers: own, service, region, ...keys(credentials) }).sign();
  return [...signed.headers.keys()].map((name) => name.toLowerCase()).filter((name) => name !== "host");
}

/** A presigned URL (the signature in the query string, `X-Amz-Signature`), as `aws s3 presign` makes one. */
export async function presignedUrl(url: string, region: string, credentials: TemporaryCredentials): Promise<string> {
  const signed = await new AwsV4Signer({
    url,
    method: "GET",
    service: "s3",
    region,
    signQuery: true,
    ...keys(credentials),
  }).sign();
  return signed.url.toString();
}

/** A CORS preflight: what a browser sends before a request from `origin` with these headers. */
export function preflight(url: string, origin: string, method: string, headers: string[]): Promise<Answer> {
  return send("OPTIONS", url, {
    origin,
    "access-control-request-method": method,
    ...(headers.length && { "access-control-request-headers": [...headers].sort().join(",") }),
  });
}

/**
 * Why a browser would refuse this preflight answer (the Fetch standard's CORS check), or undefined
 * when it admits it: the origin echoed (or `*`), the method and every requested header allowed;
 * a `*` never covers `authorization`.
 */
export function preflightRefusal(
  answer: Answer,
  origin: string,
  method: string,
  headers: string[],
): string | undefined {
  if (answer.status < 200 || answer.status > 299) return `the preflight was answered ${answer.status}`;
  const allowOrigin = answer.headers.get("access-control-allow-origin");
  if (!allowOrigin) return "no Access-Control-Allow-Origin in the answer";
  if (allowOrigin !== "*" && allowOrigin !== origin)
    return `Access-Control-Allow-Origin is ${allowOrigin}, not ${origin}`;
  const list = (name: string) =>
    (answer.headers.get(name) ?? "")
      .split(",")
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean);
  const methods = list("access-control-allow-methods");
  if (
    !methods.includes(method.toLowerCase()) &&
    !methods.includes("*") &&
    !["get", "head", "post"].includes(method.toLowerCase())
  )
    return `Access-Control-Allow-Methods (${methods.join(", ") || "none"}) lacks ${method}`;
  const allowed = list("access-control-allow-headers");
  const missing = headers.filter(
    (name) => !allowed.includes(name) && !(allowed.includes("*") && name !== "authorization"),
  );
  if (missing.length)
    return `Access-Control-Allow-Headers (${allowed.join(", ") || "none"}) lacks ${missing.join(", ")}`;
  return undefined;
}

function keys({ accessKeyId, secretAccessKey, sessionToken }: TemporaryCredentials) {
  return { accessKeyId, secretAccessKey, sessionToken };
}
