// This app's identity pool, as the route Lambdas learn it: infra/routes.ts gives them its id in
// SST_RESOURCE_AppIdentityPool, the variable SST's own `Resource` reads links from. Read here from
// the environment directly, so a handler carries no SST runtime (GET /private stays a 2 KB bundle).
// No imports: infra/ reads the name as Node loads this file.

/** The link's name: the Lambdas find `{ "id": … }` in `SST_RESOURCE_AppIdentityPool`. */
export const IDENTITY_POOL_LINK = "AppIdentityPool";

/** This app's identity pool id, read per call, not at import; missing, it is a deploy error (a 500). */
export function thisIdentityPoolId(): string {
  const linked = process.env[`SST_RESOURCE_${IDENTITY_POOL_LINK}`];
  const id = linked ? (JSON.parse(linked) as { id?: unknown }).id : undefined;
  if (typeof id !== "string" || !id) throw new Error(`SST_RESOURCE_${IDENTITY_POOL_LINK} holds no identity pool id`);
  return id;
}
