import {
  FEDERATED_PROVIDERS,
  auth0ProviderName,
  jwtClaims,
  twitterLoginsValue,
  type FederatedProvider,
} from "@iam-auth-api/client/providers";
import { CliError, UsageError } from "./cli-error";
import type { FederatedSignIn } from "./session-store";
import { DEFAULT_INVOCATION } from "./invocation";

interface FederatedLoginOptions {
  token: string;
  /** Twitter only: the access token secret, which the identity pool needs with the token. */
  tokenSecret?: string;
  /** Auth0 only: the domain to use instead of the one in the id_token's `iss`. */
  domain?: string;
}

/** The option mistakes that need no token to spot: checked before the token is typed, and again by `federatedSignIn`. */
export function checkFederatedOptions(
  provider: FederatedProvider,
  options: Omit<FederatedLoginOptions, "token">,
): void {
  if (options.tokenSecret !== undefined && provider !== "twitter")
    throw new UsageError("--token-secret goes with --provider twitter only");
  if (options.domain !== undefined && provider !== "auth0")
    throw new UsageError("--domain goes with --provider auth0 only");
  if (provider === "twitter" && !options.tokenSecret) {
    throw new UsageError(
      "Twitter needs the access token secret too: add --token-secret <secret> (twurl keeps it as `secret`, next to `token`, in ~/.twurlrc)",
    );
  }
}

/** The sign-in `login --provider` caches, checked here so mistakes fail before any request. */
export function federatedSignIn(provider: FederatedProvider, options: FederatedLoginOptions): FederatedSignIn {
  checkFederatedOptions(provider, options);
  const { label, token: kind } = FEDERATED_PROVIDERS[provider];
  const claims = jwtClaims(options.token);
  if (kind === "id_token" && !claims) {
    throw new CliError(
      "InvalidToken",
      `That is not an id_token from ${label} (a JWT, three dot-separated parts): pass the id_token, not the access token (README section "Sign in with ${label}").`,
    );
  }
  const signIn: FederatedSignIn = {
    method: "federated",
    provider,
    providerName: providerNameFor(provider, options, claims),
    token:
      provider === "twitter" && options.tokenSecret
        ? twitterLoginsValue(options.token, options.tokenSecret)
        : options.token,
  };
  const expiresAt = tokenExpiresAt(signIn);
  if (expiresAt !== undefined && expiresAt <= Date.now()) {
    throw new CliError(
      "TokenExpired",
      `This ${label} ${kind} expired at ${new Date(expiresAt).toISOString()}: get a fresh one, then log in again.`,
    );
  }
  return signIn;
}

/** When the cached provider token stops being accepted: a JWT's `exp`; undefined when unknown (opaque tokens) or never (Twitter's). */
export function tokenExpiresAt(signIn: FederatedSignIn): number | undefined {
  const exp = jwtClaims(signIn.token)?.exp;
  return typeof exp === "number" ? exp * 1000 : undefined;
}

/** Federated tokens cannot be refreshed through Cognito: the user signs in with the provider again. */
export function logInAgainWith(signIn: FederatedSignIn, why: string, invoked = DEFAULT_INVOCATION): CliError {
  return new CliError(
    "SessionExpired",
    `${why}: log in again with \`${invoked.command(`login --provider ${signIn.provider}`)}\`.`,
  );
}

/** The identity pool's answer when it does not know the provider, rather than the token. */
const PROVIDER_NOT_CONFIGURED =
  /not from a supported provider|provider not enabled|not enabled for this identity pool|Issuer doesn't match providerName|Logins don't match/i;

/** One line for the identity pool refusing a fresh federated sign-in, saying which side to fix. */
export function refusedFederatedLogin(signIn: FederatedSignIn, identityPool: string, reason: string): CliError {
  const { label, token: kind } = FEDERATED_PROVIDERS[signIn.provider];
  if (PROVIDER_NOT_CONFIGURED.test(reason)) {
    return new CliError(
      "ProviderNotConfigured",
      `The identity pool ${identityPool} does not accept ${label} sign-ins as ${signIn.providerName} (${reason}): configure ${label} for this stage (README section "Sign in with ${label}"), deploy, then log in again.`,
    );
  }
  return new CliError(
    "TokenRejected",
    `The identity pool ${identityPool} rejected the ${label} ${kind} (${reason}): get a fresh one, then log in again.`,
  );
}

function providerNameFor(
  provider: FederatedProvider,
  options: FederatedLoginOptions,
  claims: Record<string, unknown> | undefined,
): string {
  const fixed = FEDERATED_PROVIDERS[provider].providerName;
  if (fixed) return fixed;
  if (options.domain !== undefined) {
    const domain = auth0ProviderName(options.domain);
    if (!domain)
      throw new UsageError(
        `--domain "${options.domain}" is not a domain: pass your Auth0 tenant's domain, e.g. my-tenant.us.auth0.com`,
      );
    return domain;
  }
  const issuer = claims?.iss;
  const domain = typeof issuer === "string" && issuer.startsWith("https://") ? auth0ProviderName(issuer) : undefined;
  if (!domain)
    throw new CliError(
      "InvalidToken",
      "The Auth0 id_token has no https `iss` claim to take the domain from: pass --domain <your-tenant.auth0.com>.",
    );
  return domain;
}
