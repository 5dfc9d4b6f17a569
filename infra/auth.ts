import { PASSWORD_POLICY } from "@iam-auth-api/client/password-policy";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import { api } from "./api";
import { userPoolEmail } from "./email";
import { openIdConnectProviders, supportedLoginProviders } from "./federation";
import { bucket } from "./storage";

// IAM resolves this policy variable to the caller's identity id at request time.
const IDENTITY_ID = "${cognito-identity.amazonaws.com:sub}";
const ownPrefix = ownFilesPrefix(IDENTITY_ID);

export const userPool = new sst.aws.CognitoUserPool("UserPool", {
  usernames: ["email"],
  transform: {
    userPool: (args, opts) => {
      // The tutorials' `Passw0rd!` passes; anything without all four character classes does not.
      // The rule the clients show before a password is typed comes from the same module.
      args.passwordPolicy = { ...PASSWORD_POLICY, temporaryPasswordValidityDays: 7 };
      args.deletionProtection = $app.protect ? "ACTIVE" : "INACTIVE";
      if (userPoolEmail) args.emailConfiguration = userPoolEmail;
      // SST's `removal: "retain"` keeps buckets and tables only; users are production data too.
      if ($app.protect) opts.retainOnDelete = true;
    },
  },
});

export const userPoolClient = userPool.addClient("UserPoolClient", {
  transform: {
    client: (args) => {
      // A public client: no secret, the password proven with SRP and never sent.
      args.generateSecret = false;
      args.explicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
      args.preventUserExistenceErrors = "ENABLED";
      args.enableTokenRevocation = true;
      // No hosted UI in this app: drop SST's default OAuth set-up (implicit flow, example.com).
      args.allowedOauthFlowsUserPoolClient = false;
      args.allowedOauthFlows = [];
      args.allowedOauthScopes = [];
      args.callbackUrls = [];
    },
  },
});

const authenticatedPolicy = aws.iam.getPolicyDocumentOutput({
  statements: [
    {
      sid: "InvokeThisApi",
      actions: ["execute-api:Invoke"],
      resources: [$interpolate`${api.nodes.api.executionArn}/*`],
    },
    {
      sid: "OwnFiles",
      actions: ["s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      resources: [$interpolate`${bucket.arn}/${ownPrefix}*`],
    },
    {
      // Other storage classes bill a minimum duration (DEEP_ARCHIVE 180 days) for bytes a user can
      // delete at once. IfExists: a PUT without the header is STANDARD and allowed.
      sid: "WriteOwnFilesStandardOnly",
      actions: ["s3:PutObject"],
      resources: [$interpolate`${bucket.arn}/${ownPrefix}*`],
      conditions: [{ test: "StringEqualsIfExists", variable: "s3:x-amz-storage-class", values: ["STANDARD"] }],
    },
    {
      sid: "ListOwnFiles",
      actions: ["s3:ListBucket"],
      resources: [bucket.arn],
      conditions: [{ test: "StringLike", variable: "s3:prefix", values: [ownPrefix, `${ownPrefix}*`] }],
    },
  ],
});

export const identityPool = new sst.aws.CognitoIdentityPool("IdentityPool", {
  userPools: [{ userPool: userPool.id, client: userPoolClient.id }],
  transform: {
    identityPool: (args, opts) => {
      args.allowUnauthenticatedIdentities = false;
      // Only the enhanced flow: the classic one lets a client pick its own role.
      args.allowClassicFlow = false;
      args.supportedLoginProviders = supportedLoginProviders;
      // Revocation reaches the identity pool: it asks the user pool before every token exchange,
      // so after a global sign-out or a deleted user a copied id token mints no new credentials.
      args.cognitoIdentityProviders = $util
        .output(args.cognitoIdentityProviders ?? [])
        .apply((providers) => providers.map((provider) => ({ ...provider, serverSideTokenCheck: true })));
      if (openIdConnectProviders.length) {
        args.openidConnectProviderArns = openIdConnectProviders.map((provider) => provider.arn);
      }
      // Identity ids key every user's files: a new pool would orphan them.
      if ($app.protect) opts.retainOnDelete = true;
    },
    // Replaces SST's default grants (cognito-identity:*, cognito-sync:*, mobileanalytics:PutEvents
    // on *): GetId and GetCredentialsForIdentity need no IAM permission, Cognito Sync and Mobile
    // Analytics are retired services.
    authenticatedRole: (args) => {
      args.inlinePolicies = [{ name: "inline", policy: authenticatedPolicy.json }];
    },
    // Guests are disabled on the pool; the role they would get grants nothing even if re-enabled.
    unauthenticatedRole: (args) => {
      args.inlinePolicies = [];
    },
  },
});
