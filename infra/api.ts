import { uploadsListing } from "./storage";

const HANDLERS = "packages/functions/src";

export const api = new sst.aws.ApiGatewayV2("Api", {
  accessLog: { retention: $app.protect ? "1 year" : "1 week" },
  transform: {
    route: {
      // Callback form on purpose: an object here is merged over every route's own args and
      // would silently turn the `auth: false` route below into AWS_IAM.
      args: (props) => {
        props.auth ??= { iam: true };
      },
      handler: (args) => {
        args.runtime ??= "nodejs24.x";
        args.architecture ??= "arm64";
        args.memory ??= "256 MB";
        args.timeout ??= "10 seconds";
        // SST 4.17.1 lets the whole account assume every Lambda role, even outside `sst dev`
        // (function.ts tests `!dev` on an Output, which is never falsy). Deployed roles trust Lambda alone.
        if (!$dev) {
          args.transform = {
            ...args.transform,
            role: (role) => {
              role.assumeRolePolicy = JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }));
            },
          };
        }
      },
    },
    stage: (args) => {
      // A leaked credential, or a buggy client in a loop, cannot run up an unbounded bill.
      args.defaultRouteSettings = {
        throttlingBurstLimit: 100,
        throttlingRateLimit: 50,
      };
    },
  },
});

api.route("GET /public", `${HANDLERS}/public.handler`, { auth: false });
api.route("GET /private", `${HANDLERS}/private.handler`);
api.route("GET /files", { handler: `${HANDLERS}/files.handler`, link: [uploadsListing] });
