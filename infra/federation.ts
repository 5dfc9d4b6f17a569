// Sign-in providers federated at the identity pool, beside the user pool. Each is off unless the
// stage configures it: public ids as stage settings (environment variables; `sst` loads them from
// `.env.<stage>`), the one secret with `npx sst secret set TwitterConsumerSecret <secret> --stage <stage>`.
// Federated users get the same authenticated role as everyone: nothing here grants anything.
import { auth0ProviderName, FEDERATED_PROVIDERS } from "@iam-auth-api/client/providers";
import { halfConfigured, setting } from "./stage-settings";

/** Each social provider's stage setting, and the Logins key the identity pool (and the clients) know it by. */
const SOCIAL_PROVIDERS = {
  GOOGLE_CLIENT_ID: FEDERATED_PROVIDERS.google.providerName,
  FACEBOOK_APP_ID: FEDERATED_PROVIDERS.facebook.providerName,
  APPLE_SERVICES_ID: FEDERATED_PROVIDERS.apple.providerName,
  AMAZON_APP_ID: FEDERATED_PROVIDERS.amazon.providerName,
} as const;

const TWITTER_SECRET = "TwitterConsumerSecret";

function twitterLogin(): Record<string, $util.Output<string>> {
  const consumerKey = setting("TWITTER_CONSUMER_KEY");
  // `sst` puts every secret set for the stage in the environment; an unset one must not become a resource.
  const hasSecret = process.env[`SST_SECRET_${TWITTER_SECRET}`] !== undefined;
  if (!consumerKey && !hasSecret) return {};
  if (!consumerKey) {
    throw halfConfigured(
      "Twitter sign-in",
      `the secret ${TWITTER_SECRET}`,
      "TWITTER_CONSUMER_KEY",
      `Set TWITTER_CONSUMER_KEY in .env.${$app.stage}, or run \`npx sst secret remove ${TWITTER_SECRET} --stage ${$app.stage}\`.`,
    );
  }
  if (!hasSecret) {
    throw halfConfigured(
      "Twitter sign-in",
      "TWITTER_CONSUMER_KEY",
      `the secret ${TWITTER_SECRET}`,
      `Run \`npx sst secret set ${TWITTER_SECRET} <consumer secret> --stage ${$app.stage}\`.`,
    );
  }
  const consumerSecret = new sst.Secret(TWITTER_SECRET);
  // Cognito's format for Twitter: consumer key and secret joined by a semicolon.
  return { [FEDERATED_PROVIDERS.twitter.providerName]: $interpolate`${consumerKey};${consumerSecret.value}` };
}

function auth0Domain(value: string): string {
  const domain = auth0ProviderName(value);
  if (!domain)
    throw new Error(
      `AUTH0_DOMAIN "${value}" is not a domain: set it to your Auth0 tenant's domain, e.g. my-tenant.us.auth0.com.`,
    );
  return domain;
}

function auth0Provider(): aws.iam.OpenIdConnectProvider | undefined {
  const domain = setting("AUTH0_DOMAIN");
  const clientId = setting("AUTH0_CLIENT_ID");
  if (!domain && !clientId) return undefined;
  if (!domain)
    throw halfConfigured("Auth0 sign-in", "AUTH0_CLIENT_ID", "AUTH0_DOMAIN", `Set AUTH0_DOMAIN in .env.${$app.stage}.`);
  if (!clientId)
    throw halfConfigured(
      "Auth0 sign-in",
      "AUTH0_DOMAIN",
      "AUTH0_CLIENT_ID",
      `Set AUTH0_CLIENT_ID in .env.${$app.stage}.`,
    );
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
