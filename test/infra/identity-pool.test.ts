import { userPoolProviderName } from "@iam-auth-api/client/settings";
import { describe, expect, test } from "vitest";
import { apiRoutes, identityPoolRole, single } from "@iam-auth-api/infra-harness/graph";
import { decideForRole, decideWithResourcePolicy } from "./simulate";
import { REGION } from "@iam-auth-api/infra-harness/mocks";
import { identityPolicies } from "@iam-auth-api/infra-harness/policies";
import { STAGES, useEvaluation } from "./fixtures";

const COGNITO_IDENTITY = "cognito-identity.amazonaws.com";

describe.each(STAGES)("Cognito identity pool (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const identityPool = () => single(app(), "aws:cognito/identityPool:IdentityPool");
  const attachment = () => single(app(), "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment");
  const authenticatedRole = () => identityPoolRole(app(), "authenticated");
  const unauthenticatedRole = () => identityPoolRole(app(), "unauthenticated");

  test("gives no identities to guests, and no classic (basic) flow", () => {
    expect(identityPool().inputs.allowUnauthenticatedIdentities, "allowUnauthenticatedIdentities").toBe(false);
    expect(identityPool().inputs.allowClassicFlow, "allowClassicFlow").toBe(false);
  });

  test("trusts exactly this user pool and its client, and no other provider", () => {
    const userPool = single(app(), "aws:cognito/userPool:UserPool");
    const client = single(app(), "aws:cognito/userPoolClient:UserPoolClient");
    expect(identityPool().inputs.cognitoIdentityProviders, "cognitoIdentityProviders").toEqual([
      {
        providerName: userPoolProviderName(REGION, userPool.outputs.id),
        clientId: client.outputs.id,
        serverSideTokenCheck: true,
      },
    ]);
    expect(identityPool().inputs.supportedLoginProviders ?? {}, "supportedLoginProviders").toEqual({});
    expect(identityPool().inputs.openidConnectProviderArns ?? [], "openidConnectProviderArns").toEqual([]);
    expect(identityPool().inputs.samlProviderArns ?? [], "samlProviderArns").toEqual([]);
  });

  test("asks the user pool about every token: revoked sessions mint no credentials", () => {
    // Without the check, a copied id token keeps minting credentials after a global sign-out,
    // an admin disabling the user, or the user's deletion, until the token expires.
    for (const provider of identityPool().inputs.cognitoIdentityProviders) {
      expect(provider.serverSideTokenCheck, `serverSideTokenCheck for ${provider.providerName}`).toBe(true);
    }
  });

  test("attaches the pool's own roles to this pool", () => {
    expect(attachment().inputs.identityPoolId, "role attachment identityPoolId").toBe(identityPool().outputs.id);
    expect(authenticatedRole()?.parent, "authenticated role's component").toBe(identityPool().parent);
    expect(unauthenticatedRole()?.parent, "unauthenticated role's component").toBe(identityPool().parent);
  });

  describe("the authenticated role's trust policy", () => {
    const assume = (context: Record<string, string | string[]>, principal = COGNITO_IDENTITY) =>
      decideWithResourcePolicy(principal, [], {
        action: "sts:AssumeRoleWithWebIdentity",
        resource: authenticatedRole().outputs.arn,
        resourcePolicy: JSON.parse(authenticatedRole().inputs.assumeRolePolicy),
        context,
      });
    const signedIn = () => ({
      [`${COGNITO_IDENTITY}:aud`]: identityPool().outputs.id,
      [`${COGNITO_IDENTITY}:amr`]: [
        "authenticated",
        userPoolProviderName(REGION, single(app(), "aws:cognito/userPool:UserPool").outputs.id),
      ],
    });

    test("admits a signed-in identity of this pool", async () => {
      expect(await assume(signedIn()), "AssumeRoleWithWebIdentity for an authenticated identity of this pool").toBe(
        "Allowed",
      );
    });

    test("refuses guests", async () => {
      const guest = { ...signedIn(), [`${COGNITO_IDENTITY}:amr`]: ["unauthenticated"] };
      expect(await assume(guest), "AssumeRoleWithWebIdentity with amr unauthenticated").not.toBe("Allowed");
    });

    test("refuses identities of any other identity pool", async () => {
      const stranger = { ...signedIn(), [`${COGNITO_IDENTITY}:aud`]: `${REGION}:00000000-0000-0000-0000-000000000000` };
      expect(await assume(stranger), "AssumeRoleWithWebIdentity with another pool's aud").not.toBe("Allowed");
    });

    test("refuses web identities that did not come through Cognito", async () => {
      expect(
        await assume(signedIn(), "accounts.google.com"),
        "AssumeRoleWithWebIdentity from accounts.google.com",
      ).not.toBe("Allowed");
    });
  });

  describe("the authenticated role may call this API and no other", () => {
    const invoke = (executionArn: string, route: string) =>
      decideForRole(app(), authenticatedRole(), {
        action: "execute-api:Invoke",
        resource: `${executionArn}/$default/${route}`,
      });
    const thisApi = () => single(app(), "aws:apigatewayv2/api:Api").outputs.executionArn as string;

    test("every route of this API", () => {
      for (const route of ["GET/private", "GET/files", "GET/public"])
        expect(invoke(thisApi(), route), `execute-api:Invoke ${route}`).toBe("Allowed");
    });

    test("not another API in the same account", () => {
      const otherApi = thisApi().replace(/[^:]+$/, "otherapi01");
      expect(invoke(otherApi, "GET/private"), "execute-api:Invoke on another API").not.toBe("Allowed");
    });

    test("nothing else: no other service's actions", () => {
      for (const [action, resource] of [
        ["cognito-identity:ListIdentities", identityPool().outputs.arn],
        ["cognito-idp:ListUsers", single(app(), "aws:cognito/userPool:UserPool").outputs.arn],
        ["lambda:InvokeFunction", apiRoutes(app())[0].lambda.outputs.arn],
      ]) {
        expect(decideForRole(app(), authenticatedRole(), { action, resource }), action).not.toBe("Allowed");
      }
    });
  });

  test("the unauthenticated role grants nothing, even if guests were ever enabled", () => {
    const statements = identityPolicies(app(), unauthenticatedRole()).flatMap(({ policy }) => policy.Statement);
    expect(statements, "unauthenticated role policy statements").toEqual([]);
  });
});
