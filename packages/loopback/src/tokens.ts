import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// cognito-local signs its tokens with a key it publishes in its package; Cognito's own tokens carry
// claims cognito-local leaves out. The user pool double re-signs them with that same key, so
// cognito-local, its JWKS and the identity pool double still accept them.
const COGNITO_LOCAL_KEY = fileURLToPath(
  new URL("../../../node_modules/cognito-local/lib/keys/cognitoLocal.private.json", import.meta.url),
);
let privateKey: ReturnType<typeof createPrivateKey> | undefined;

/** `token` with `claims` added, signed again by cognito-local's key. */
export function withClaims(token: string, claims: Record<string, unknown>): string {
  privateKey ??= createPrivateKey(JSON.parse(readFileSync(COGNITO_LOCAL_KEY, "utf8")).pem);
  const [header, payload] = token.split(".");
  const body = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), ...claims }),
  ).toString("base64url");
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${body}`), privateKey).toString("base64url");
  return `${header}.${body}.${signature}`;
}
