import { DEV_SERVER_ORIGIN } from "@iam-auth-api/client/dev-server";
import { VITE_NAMES } from "@iam-auth-api/client/settings";
import { api } from "./api";
import { identityPool, userPool, userPoolClient } from "./auth";
import { bucket } from "./storage";
import { webRouter } from "./web-origins";

// The web client: built with Vite and served by the router on a deploy; under `sst dev`, SST runs
// `npm run dev` (Vite) in packages/web with the same environment instead, and deploys nothing.
export const site = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
  dev: { command: "npm run dev", url: DEV_SERVER_ORIGIN },
  ...(webRouter && { router: { instance: webRouter } }),
  // Public values baked into the bundle: ids and URLs, no secret.
  environment: {
    [VITE_NAMES.apiUrl]: api.url,
    [VITE_NAMES.region]: aws.getRegionOutput().region,
    [VITE_NAMES.userPoolId]: userPool.id,
    [VITE_NAMES.userPoolClientId]: userPoolClient.id,
    [VITE_NAMES.identityPoolId]: identityPool.id,
    [VITE_NAMES.bucket]: bucket.name,
  },
  transform: {
    // Browsers get the site through CloudFront, never from its bucket: SST 4.17.1's default CORS
    // there (every method, from anywhere) serves nobody.
    assets: (args) => {
      args.cors = false;
    },
  },
});
