/**
 * The SigV4 check API Gateway and S3 make, with @smithy/signature-v4: an implementation other than
 * the CLI's, so a signing bug shared by both cannot make a test pass.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { CredentialStore, IssuedCredentials } from "./identity-pool";

export type SignatureCheck = { credentials: IssuedCredentials; accessKeyId: string } | { error: string };

/** Who signed the request (the credentials the doubles issued), or why API Gateway/S3 would reject it. */
export async function verifySignedRequest(
  store: CredentialStore,
  region: string,
  request: IncomingMessage,
  body: Buffer,
  service: "execute-api" | "s3",
): Promise<SignatureCheck> {
  const authorization = String(request.headers.authorization ?? "");
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!parsed) return { error: "Missing Authentication Token" };
  const [, accessKeyId, , signedRegion, signedService, signedHeaders, signature] = parsed;
  const credentials = store.get(accessKeyId);
  if (
    !credentials ||
    credentials.expiresAt < Date.now() ||
    (request.headers["x-amz-security-token"] ?? undefined) !== credentials.sessionToken
  ) {
    return { error: "The security token included in the request is invalid." };
  }
  if (signedRegion !== region || signedService !== service)
    return { error: `Credential should be scoped to a valid region and service ${service}.` };
  const url = new URL(request.url ?? "/", "http://loopback");
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(";")) headers[name] = String(request.headers[name] ?? "");
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? [query[key]].flat().concat(value) : value;
  const amzDate = headers["x-amz-date"];
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const expected = await new SignatureV4({
    service,
    region,
    sha256: Sha256,
    credentials: { accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    uriEscapePath: service !== "s3",
    applyChecksum: false,
  }).sign(
    {
      method: request.method ?? "GET",
      protocol: "http:",
      hostname: headers.host.split(":")[0],
      port: Number(headers.host.split(":")[1]),
      path: url.pathname,
      query,
      headers,
      body: body.length ? body : undefined,
    },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? "";
  if (!timingSafeEqual(Buffer.from(expectedSignature.padEnd(64)), Buffer.from(signature))) {
    return { error: "The request signature we calculated does not match the signature you provided." };
  }
  return { credentials, accessKeyId };
}
