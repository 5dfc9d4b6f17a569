/**
 * The sign-in providers besides the user pool, each with the name the identity pool knows it by (the
 * key of the `Logins` map, as AWS documents it) and the token it takes. Auth0, an OIDC issuer, has
 * no fixed name: its key is the tenant's domain (`auth0ProviderName`).
 */
export const FEDERATED_PROVIDERS = {
  twitter: { label: "Twitter", providerName: "api.twitter.com", token: "OAuth 1.0a access token" },
  auth0: { label: "Auth0", providerName: undefined, token: "id_token" },
  google: { label: "Google", providerName: "accounts.google.com", token: "id_token" },
  facebook: { label: "Facebook", providerName: "graph.facebook.com", token: "access token" },
  apple: { label: "Apple", providerName: "appleid.apple.com", token: "id_token" },
  amazon: { label: "Amazon", providerName: "www.amazon.com", token: "access token" },
} as const;

export type FederatedProvider = keyof typeof FEDERATED_PROVIDERS;

/**
 * The `Logins` key of an Auth0 tenant, from its domain or an id_token's `iss`, or undefined when the
 * value is no domain: `https://My-Tenant.us.auth0.com/` → `my-tenant.us.auth0.com`. Auth0's `iss` is
 * `https://<domain>/`; Cognito matches it to the Logins key, the IAM OIDC provider's URL without
 * `https://` ("The iss parameter must match the key used in the logins map", Cognito developer guide,
 * open-id.html); with a provider URL ending in `/` that match is reported to fail. Host names are
 * case-insensitive but IAM provider URLs are not: lower case, as Auth0 writes its `iss`. The stage's
 * OIDC provider (infra/federation.ts) and the clients' Logins key both come from here.
 */
export function auth0ProviderName(domainOrIssuer: string): string | undefined {
  const domain = domainOrIssuer
    .replace(/^https:\/\//i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) ? domain : undefined;
}

/** The `Logins` value of a Twitter sign-in: both halves of the OAuth 1.0a access token, joined by ";". */
export function twitterLoginsValue(token: string, tokenSecret: string): string {
  return `${token};${tokenSecret}`;
}

/** A JWT's payload, unverified: the identity pool verifies the signature; clients only read `iss` and `exp`. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}
