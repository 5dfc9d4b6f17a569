/// <reference path="./.sst/platform/config.d.ts" />

const PRODUCTION_STAGES = ["production", "prod"];

export default $config({
  app(input) {
    const production = PRODUCTION_STAGES.includes(input?.stage ?? "");
    return {
      name: "iam-auth-api",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    const { bucket } = await import("./infra/storage");
    const { api } = await import("./infra/api");
    const { userPool, userPoolClient, identityPool } = await import("./infra/auth");
    await import("./infra/user-pool-waf");
    await import("./infra/routes");
    const { site } = await import("./infra/web");

    return {
      Api: api.url,
      Region: aws.getRegionOutput().region,
      UserPool: userPool.id,
      UserPoolClient: userPoolClient.id,
      IdentityPool: identityPool.id,
      Bucket: bucket.name,
      Web: site.url,
    };
  },
});
