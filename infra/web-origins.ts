import { DEV_SERVER_ORIGIN } from "@iam-auth-api/client/dev-server";
import { webSecurityHeaders } from "./web-headers";

// The web client's address must exist before the API and the bucket, which list it as their only
// browser origin, while the site's build needs their names (infra/web.ts). A Router, the CloudFront
// distribution the site is then served from, breaks that cycle: it needs nothing from either.
// `sst dev` deploys no site (Vite serves it locally), so no router either.
export const webRouter = $dev
  ? undefined
  : new sst.aws.Router("WebRouter", {
      transform: {
        // SST 4.17.1's Router has one default cache behaviour (every path): the headers go on all of it.
        cdn: (args) => {
          args.defaultCacheBehavior = $util
            .output(args.defaultCacheBehavior)
            .apply((behavior) => ({ ...behavior, responseHeadersPolicyId: webSecurityHeaders?.id }));
        },
      },
    });

/**
 * The origins whose scripts may read the API's and the bucket's answers: the site, and on stages
 * that are not production, the Vite dev server, so a developer can point it at a deployed stage.
 */
export const webOrigins = $util
  .output(webRouter?.url)
  .apply((siteUrl) => [...(siteUrl ? [siteUrl] : []), ...($app.protect ? [] : [DEV_SERVER_ORIGIN])]);
