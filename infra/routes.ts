// The API's signed routes and their Lambdas. Apart from infra/api.ts (the API, its stage, the Lambdas'
// defaults and the public route) because they are given the identity pool's id, and infra/auth.ts
// creates the pool after the API (its role may invoke only this API).
import { IDENTITY_POOL_LINK } from "@iam-auth-api/core/identity-pool";
import { identityPool } from "./auth";
import { api, HANDLERS, writeOwnLogsOnly } from "./api";
import { uploadsListing } from "./storage";

/**
 * The signed routes check that a caller's identity is of this app's identity pool (packages/core).
 * Its id reaches them as `SST_RESOURCE_AppIdentityPool`, the form SST's `Resource` reads: a plain
 * variable rather than `link`, because SST 4.17.1 bundles links encrypted and only its runtime reads
 * them back, and because linking the pool component would also grant `cognito-identity:*` on it.
 */
const identityPoolId = { [`SST_RESOURCE_${IDENTITY_POOL_LINK}`]: $jsonStringify({ id: identityPool.id }) };

writeOwnLogsOnly(
  api.route("GET /private", { handler: `${HANDLERS}/private.handler`, environment: identityPoolId }),
  "ApiPrivate",
);
writeOwnLogsOnly(
  api.route("GET /files", {
    handler: `${HANDLERS}/files.handler`,
    link: [uploadsListing],
    environment: identityPoolId,
  }),
  "ApiFiles",
);
