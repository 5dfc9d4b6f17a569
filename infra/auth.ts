import { PASSWORD_POLICY } from "@iam-auth-api/client/password-policy";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import { api } from "./api";
import { userPoolEmail } from "./email";
import { openIdConnectProviders, supportedLoginProviders } from "./federation";
import { bucket } from "./storage";

// IAM resolves this policy variable to the caller's identity id at request time.
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
const IDENTITY_ID = "${cognito-identity.amazonaws.com:sub}";
const ownPrefix = ownFilesPrefix(IDENTITY_ID);
/** How long a signed-in session lasts without a new sign-in. */
const REFRESH_TOKEN_DAYS = 7;
/** The user attributes the app keeps: the email users sign up and sign in with. */
const USER_ATTRIBUTES = ["email"] as const;

export const userPool = new sst.aws.CognitoUserPool("UserPool", {
  usernames: ["email"],
  transform: {
    userPool: (args, opts) => {
      // The tutorials' `Passw0rd!` passes; anything without all four character classes does not.
      // The rule the clients show before a password is typed comes from the same module.
      args.passwordPolicy = { ...PASSWORD_POLICY, temporaryPasswordValidityDays: 7 };
      args.deletionProtection = $app.protect ? "ACTIVE" : "INACTIVE";
      if (userPoolEmail) args.emailConfiguration = userPoolEmail;
      // SST 4.17.1 puts a verified phone first; this app has no phone numbers, and a recovery code
      // sent anywhere but the one verified address would be a way around it.
      args.accountRecoverySetting = { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] };
      // A changed email is not used (for sign-in, recovery, or codes) until the user has confirmed the
      // code sent to the new address.
      args.userAttributeUpdateSettings = { attributesRequireVerificationBeforeUpdates: ["email"] };
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
      // A refresh token mints AWS credentials until it expires: the web client keeps it in
      // localStorage (Amplify), where an injected script could read it. A week instead of Cognito's
      // 30 days; both clients ask the user to sign in again when it runs out. No rotation: with it on,
      // Cognito requires GetTokensFromRefreshToken, and the CLI refreshes with REFRESH_TOKEN_AUTH.
      args.refreshTokenValidity = REFRESH_TOKEN_DAYS;
      args.tokenValidityUnits = { refreshToken: "days" };
      // No hosted UI in this app: drop SST's default OAuth set-up (implicit flow, example.com).
      args.allowedOauthFlowsUserPoolClient = false;
      args.allowedOauthFlows = [];
      args.allowedOauthScopes = [];
      args.callbackUrls = [];
      // SST 4.17.1 leaves both unset, which lets the public client read and write every attribute
      // (name, phone_number, custom ones…) with a user's access token. Sign-up writes the email and
      // nothing else; no client reads attributes through this client beyond that.
      args.writeAttributes = [...USER_ATTRIBUTES];
      args.readAttributes = [...USER_ATTRIBUTES, "email_verified"];
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
    ...storageDenials(),
  ],
});

/**
 * What the grants above would otherwise allow and this app never does, as Denies, so no later Allow
 * can bring it back.
 */
function storageDenials() {
  return [
    {
      // CopyObject and UploadPartCopy are authorised as s3:PutObject on the target (plus s3:GetObject
      // on the source, which a user has on her own files) and carry the source in the
      // x-amz-copy-source header, which IAM sees as s3:x-amz-copy-source (AWS's UploadPartCopy API
      // reference and the Service Authorization Reference for S3). Without this, one upload becomes
      // any number of server-side copies, or a 5 TB object of ~1,000 copied parts, with no bytes
      // sent by the caller. `Null: false` = the key is present; a plain PUT has no such key.
      sid: "NoServerSideCopies",
      effect: "Deny",
      actions: ["s3:PutObject"],
      resources: [$interpolate`${bucket.arn}/*`],
      conditions: [{ test: "Null", variable: "s3:x-amz-copy-source", values: ["false"] }],
    },
    {
      // Both clients sign headers (REST-HEADER). A presigned URL (REST-QUERY-STRING) or a browser
      // POST form (POST) would let anyone holding the link read or write a user's files: free file
      // hosting, paid by the bucket's owner. S3 puts s3:authType on every request, so the negated
      // test never meets an absent key in practice.
      sid: "HeaderSignedRequestsOnly",
      effect: "Deny",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListBucket"],
      resources: [bucket.arn, $interpolate`${bucket.arn}/*`],
      conditions: [{ test: "StringNotEquals", variable: "s3:authType", values: ["REST-HEADER"] }],
    },
  ];
}

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
    // One empty block, not `[]`: pulumi-aws 7.20.0 (SST 4.17.1) leaves a role's existing inline
    // policies alone when given no block, so a stage deployed with SST's default guest policy would
    // keep it on upgrade; an empty block makes the set exclusive and removes every inline policy.
    unauthenticatedRole: (args) => {
      args.inlinePolicies = [{}];
    },
  },
});
