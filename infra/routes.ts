// The API's routes and their Lambdas. Apart from infra/api.ts (the API, its stage and the Lambdas'
// defaults) because the signed routes are given the identity pool's id, and infra/auth.ts creates the
// pool after the API (its role may invoke only this API).
import { IDENTITY_POOL_LINK } from "@iam-auth-api/core/identity-pool";
import { identityPool } from "./auth";
import { api, PUBLIC_ROUTE, throttleAsPublic } from "./api";
import { uploadsListing } from "./storage";

const HANDLERS = "packages/functions/src";

/**
 * The signed routes check that a caller's identity is of this app's identity pool (packages/core).
 * Its id reaches them as `SST_RESOURCE_AppIdentityPool`, the form SST's `Resource` reads: a plain
 * variable rather than `link`, because SST 4.17.1 bundles links encrypted and only its runtime reads
 * them back, and because linking the pool component would also grant `cognito-identity:*` on it.
 */
const identityPoolId = { [`SST_RESOURCE_${IDENTITY_POOL_LINK}`]: $jsonStringify({ id: identityPool.id }) };

/**
 * Lets the route's Lambda create streams in, and write to, the log group SST made for it, and no
 * other. Read from the created log group, not its name input: SST names it with a random suffix and
 * ignores name changes, so only the resource knows the name a deployed stage really has.
 */
function writeOwnLogsOnly(route: ReturnType<typeof api.route>, name: string) {
  route.nodes.function.apply((fn) =>
    fn.nodes.logGroup.apply((logGroup) => {
      if (!logGroup) return;
      new aws.iam.RolePolicy(
        `${name}Logs`,
        {
          role: fn.nodes.role.name,
          policy: aws.iam.getPolicyDocumentOutput({
            statements: [
              { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [$interpolate`${logGroup.arn}:*`] },
            ],
          }).json,
        },
        // Not a child of the Function or the Api: SST 4.17.1 requires its components' children to
        // carry the parent's generated name, which is not known here.
      );
    }),
  );
}

const publicRoute = api.route(PUBLIC_ROUTE, `${HANDLERS}/public.handler`, { auth: false });
throttleAsPublic(publicRoute);
writeOwnLogsOnly(publicRoute, "ApiPublic");
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
