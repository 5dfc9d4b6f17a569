// Sign-in providers federated at the identity pool, beside the user pool. Each is off unless the
// stage configures it: public ids as stage settings (environment variables; `sst` loads them from
// `.env.<stage>`), the one secret with `npx sst secret set TwitterConsumerSecret <secret> --stage <stage>`.
// Federated users get the same authenticated role as everyone: nothing here grants anything.
import { halfConfigured, setting } from "./settings";

/** The Logins key the identity pool (and the client) uses for each social provider. */
const SOCIAL_PROVIDERS = {
  GOOGLE_CLIENT_ID: "accounts.google.com",
  FACEBOOK_APP_ID: "graph.facebook.com",
  APPLE_SERVICES_ID: "appleid.apple.com",
  AMAZON_APP_ID: "www.amazon.com",
} as const;

const TWITTER_SECRET = "TwitterConsumerSecret";

function twitterLogin(): Record<string, $util.Output<string>> {
  const consumerKey = setting("TWITTER_CONSUMER_KEY");
  // `sst` puts every secret set for the stage in the environment; an unset one must not become a resource.
  const hasSecret = process.env[`SST_SECRET_${TWITTER_SECRET}`] !== undefined;
  if (!consumerKey && !hasSecret) return {};
  if (!consumerKey) {
    throw halfConfigured("Twitter sign-in", `the secret ${TWITTER_SECRET}`, "TWITTER_CONSUMER_KEY", `Set TWITTER_CONSUMER_KEY in .env.${$app.stage}, or run \`npx sst secret remove ${TWITTER_SECRET} --stage ${$app.stage}\`.`);
  }
  if (!hasSecret) {
    throw halfConfigured("Twitter sign-in", "TWITTER_CONSUMER_KEY", `the secret ${TWITTER_SECRET}`, `Run \`npx sst secret set ${TWITTER_SECRET} <consumer secret> --stage ${$app.stage}\`.`);
  }
  const consumerSecret = new sst.Secret(TWITTER_SECRET);
  // Cognito's format for Twitter: consumer key and secret joined by a semicolon.
  return { "api.twitter.com": $interpolate`${consumerKey};${consumerSecret.value}` };
}

/**
 * `https://Tenant.us.auth0.com/` or `tenant.us.auth0.com` → `tenant.us.auth0.com`. Auth0's `iss` is
 * `https://<domain>/`; Cognito matches it to the Logins key, the IAM provider's URL without
 * `https://` ("The iss parameter must match the key used in the logins map", Cognito developer
 * guide, open-id.html); with a provider URL ending in `/` that match is reported to fail. Host names are
 * case-insensitive but IAM provider URLs are not: lower case, as Auth0 writes its `iss`.
 */
function auth0Domain(value: string): string {
  const domain = value.replace(/^https:\/\//i, "").replace(/\/+$/, "").toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(domain)) {
    throw new Error(`AUTH0_DOMAIN "${value}" is not a domain: set it to your Auth0 tenant's domain, e.g. my-tenant.us.auth0.com.`);
  }
  return domain;
}

function auth0Provider(): aws.iam.OpenIdConnectProvider | undefined {
  const domain = setting("AUTH0_DOMAIN");
  const clientId = setting("AUTH0_CLIENT_ID");
  if (!domain && !clientId) return undefined;
  if (!domain) throw halfConfigured("Auth0 sign-in", "AUTH0_CLIENT_ID", "AUTH0_DOMAIN", `Set AUTH0_DOMAIN in .env.${$app.stage}.`);
  if (!clientId) throw halfConfigured("Auth0 sign-in", "AUTH0_DOMAIN", "AUTH0_CLIENT_ID", `Set AUTH0_CLIENT_ID in .env.${$app.stage}.`);
  // The identity pool trusts id_tokens this issuer signs for this client id, and no others.
  // Its Logins key is this URL without `https://`: the bare domain, no trailing slash.
  return new aws.iam.OpenIdConnectProvider("Auth0", {
    url: `https://${auth0Domain(domain)}`,
    clientIdLists: [clientId],
  });
}

const socialLogins = Object.fromEntries(
  Object.entries(SOCIAL_PROVIDERS).flatMap(([name, loginKey]) => {
    const id = setting(name);
    return id ? [[loginKey, id]] : [];
  }),
);

/** `supportedLoginProviders` for the identity pool: empty when the stage configures none. */
export const supportedLoginProviders = { ...socialLogins, ...twitterLogin() };

/** OpenID Connect providers the identity pool accepts tokens from. */
export const openIdConnectProviders = [auth0Provider()].filter((provider) => provider !== undefined);
