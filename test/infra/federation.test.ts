import { describe, expect, test } from "vitest";
import type { Evaluation, Scenario } from "@iam-auth-api/infra-harness/evaluation";
import { resourceKey } from "@iam-auth-api/infra-harness/evaluation";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { identityPoolRole, inComponent, single } from "@iam-auth-api/infra-harness/graph";
import { decideWithResourcePolicy } from "./simulate";
import { identityPolicies } from "@iam-auth-api/infra-harness/policies";
import { evaluatesScenarios, useEvaluation } from "./fixtures";

const COGNITO_IDENTITY = "cognito-identity.amazonaws.com";

/** Every provider configured as a stage would: public ids as settings, the Twitter secret with `sst secret set`. */
const ALL_PROVIDERS = {
  env: {
    TWITTER_CONSUMER_KEY: "tw-consumer-key",
    GOOGLE_CLIENT_ID: "1234567890-abc.apps.googleusercontent.com",
    FACEBOOK_APP_ID: "123456789012345",
    APPLE_SERVICES_ID: "com.example.signin",
    AMAZON_APP_ID: "amzn1.application-oa2-client.0123456789abcdef",
    // As pasted from Auth0's dashboard or its `iss`: scheme, capitals and the trailing slash.
    AUTH0_DOMAIN: "https://My-Tenant.us.auth0.com/",
    AUTH0_CLIENT_ID: "auth0ClientId123",
  },
  secrets: { TwitterConsumerSecret: "tw-consumer-secret" },
};

const identityPool = (app: Evaluation) => single(app, "aws:cognito/identityPool:IdentityPool");
const authenticatedRole = (app: Evaluation) => identityPoolRole(app, "authenticated");

describe("identity pool federation, every provider configured (dev)", () => {
  const app = useEvaluation({ stage: "dev", ...ALL_PROVIDERS });
  const none = useEvaluation({ stage: "dev" });

  test("social providers are supportedLoginProviders under the keys Cognito's Logins map uses", () => {
    expect(identityPool(app()).inputs.supportedLoginProviders, "supportedLoginProviders").toEqual({
      "api.twitter.com": "tw-consumer-key;tw-consumer-secret",
      "accounts.google.com": ALL_PROVIDERS.env.GOOGLE_CLIENT_ID,
      "graph.facebook.com": ALL_PROVIDERS.env.FACEBOOK_APP_ID,
      "appleid.apple.com": ALL_PROVIDERS.env.APPLE_SERVICES_ID,
      "www.amazon.com": ALL_PROVIDERS.env.AMAZON_APP_ID,
    });
  });

  test("Auth0 is an OpenID Connect provider for its tenant and client id, listed on the identity pool", () => {
    const oidc = single(app(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(oidc.inputs.url, "OIDC provider url").toBe("https://my-tenant.us.auth0.com");
    expect(oidc.inputs.clientIdLists, "OIDC provider client ids").toEqual(["auth0ClientId123"]);
    expect(identityPool(app()).inputs.openidConnectProviderArns, "openidConnectProviderArns").toEqual([
      oidc.outputs.arn,
    ]);
  });

  test("Auth0's issuer, its IAM provider URL and the Logins key agree", () => {
    // Auth0 signs id_tokens with iss "https://<domain>/". Cognito matches iss to the Logins key, which
    // is the IAM provider's URL without "https://": no trailing slash, lower case, nothing else.
    const auth0Iss = "https://my-tenant.us.auth0.com/";
    const url: string = single(app(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs.url;
    expect(url, "OIDC provider url").toMatch(/^https:\/\/[a-z0-9.-]+$/);
    const loginsKey = url.slice("https://".length);
    expect(loginsKey, "Logins key (the provider URL without https://)").toBe(new URL(auth0Iss).host);
    expect(`https://${loginsKey}/`, "Auth0's iss for that Logins key").toBe(auth0Iss);
  });

  test("the user pool stays a provider, unchanged", () => {
    expect(identityPool(app()).inputs.cognitoIdentityProviders, "cognitoIdentityProviders").toEqual(
      identityPool(none()).inputs.cognitoIdentityProviders,
    );
  });

  test("adds only the Auth0 OIDC provider and the Twitter secret to the stage's resources", () => {
    const keys = (evaluation: Evaluation) => new Set(evaluation.resources.map(resourceKey));
    const added = [...keys(app())].filter((key) => !keys(none()).has(key));
    const removed = [...keys(none())].filter((key) => !keys(app()).has(key));
    expect(added.sort(), "resources added by federation").toEqual([
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider::Auth0",
      "sst:sst:LinkRef::TwitterConsumerSecretLinkRef",
      "sst:sst:Secret::TwitterConsumerSecret",
    ]);
    expect(removed, "resources removed by federation").toEqual([]);
  });

  test("federated users get exactly the authenticated role's policy and trust of a user-pool user", () => {
    // Physical names carry random suffixes: compare with each evaluation's own names as placeholders.
    const normalised = (evaluation: Evaluation, document: unknown) => {
      let text = JSON.stringify(document);
      for (const [resource, placeholder] of [
        [inComponent(evaluation, "Uploads", "aws:s3/bucket:Bucket").outputs.arn, "<bucket>"],
        [single(evaluation, "aws:apigatewayv2/api:Api").outputs.executionArn, "<api>"],
        [identityPool(evaluation).outputs.id, "<identity pool>"],
      ])
        text = text.split(resource).join(placeholder);
      return JSON.parse(text);
    };
    const policies = (evaluation: Evaluation) =>
      normalised(evaluation, identityPolicies(evaluation, authenticatedRole(evaluation)));
    const trust = (evaluation: Evaluation) =>
      normalised(evaluation, JSON.parse(authenticatedRole(evaluation).inputs.assumeRolePolicy));
    expect(policies(app()), "authenticated role policies").toEqual(policies(none()));
    expect(trust(app()), "authenticated role trust policy").toEqual(trust(none()));
  });

  test.each([
    ["Twitter", ["authenticated", "api.twitter.com", "api.twitter.com:123456789"]],
    ["Auth0", ["authenticated", "my-tenant.us.auth0.com", "my-tenant.us.auth0.com:auth0|abc123"]],
  ])("the trust policy admits a signed-in %s identity of this pool, and not as a guest", async (_, amr) => {
    const role = authenticatedRole(app());
    const assume = (identityAmr: string[]) =>
      decideWithResourcePolicy(COGNITO_IDENTITY, [], {
        action: "sts:AssumeRoleWithWebIdentity",
        resource: role.outputs.arn,
        resourcePolicy: JSON.parse(role.inputs.assumeRolePolicy),
        context: {
          [`${COGNITO_IDENTITY}:aud`]: identityPool(app()).outputs.id,
          [`${COGNITO_IDENTITY}:amr`]: identityAmr,
        },
      });
    expect(await assume(amr), `AssumeRoleWithWebIdentity with amr ${amr.join(",")}`).toBe("Allowed");
    expect(await assume(["unauthenticated", amr[1]!]), "the same provider as a guest").not.toBe("Allowed");
  });
});

describe("identity pool federation, one provider at a time (dev)", () => {
  const alone: [string, string][] = [
    ["GOOGLE_CLIENT_ID", "accounts.google.com"],
    ["FACEBOOK_APP_ID", "graph.facebook.com"],
    ["APPLE_SERVICES_ID", "appleid.apple.com"],
    ["AMAZON_APP_ID", "www.amazon.com"],
  ];
  const scenario = (setting: string) => ({ stage: "dev", env: { [setting]: "the-app-id" } });
  evaluatesScenarios(alone.map(([setting]) => scenario(setting)));

  test.each(alone)(
    "%s alone enables %s and nothing else",
    async (setting, loginKey) => {
      const app = await evaluate(scenario(setting));
      expect(identityPool(app).inputs.supportedLoginProviders, "supportedLoginProviders").toEqual({
        [loginKey]: "the-app-id",
      });
      expect(identityPool(app).inputs.openidConnectProviderArns ?? [], "openidConnectProviderArns").toEqual([]);
    },
    120_000,
  );
});

describe("a half-configured provider fails the deploy, naming what is missing", () => {
  const refused: [string, Omit<Scenario, "stage">, string][] = [
    [
      "a Twitter key without its secret",
      { env: { TWITTER_CONSUMER_KEY: "key" } },
      "npx sst secret set TwitterConsumerSecret <consumer secret> --stage dev",
    ],
    [
      "a Twitter secret without its key",
      { secrets: { TwitterConsumerSecret: "secret" } },
      "TWITTER_CONSUMER_KEY is not",
    ],
    [
      "an Auth0 domain without a client id",
      { env: { AUTH0_DOMAIN: "my-tenant.us.auth0.com" } },
      "AUTH0_CLIENT_ID is not",
    ],
    ["an Auth0 client id without a domain", { env: { AUTH0_CLIENT_ID: "abc" } }, "AUTH0_DOMAIN is not"],
    [
      "an Auth0 domain that is a URL with a path",
      { env: { AUTH0_DOMAIN: "https://tenant.auth0.com/authorize", AUTH0_CLIENT_ID: "abc" } },
      "is not a domain",
    ],
  ];
  evaluatesScenarios(refused.map(([, scenario]) => ({ stage: "dev", ...scenario })));

  test.each(refused)(
    "%s",
    async (_, scenario, message) => {
      await expect(evaluate({ stage: "dev", ...scenario }), "evaluation").rejects.toThrow(message);
    },
    120_000,
  );
});
