import { uploadsListing } from "./storage";
import { webOrigins } from "./web-origins";

const HANDLERS = "packages/functions/src";
const BASIC_EXECUTION_ROLE = ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

export const api = new sst.aws.ApiGatewayV2("Api", {
  accessLog: { retention: $app.protect ? "1 year" : "1 week" },
  cors: {
    allowOrigins: webOrigins,
    // The one method the routes below serve.
    allowMethods: ["GET"],
    // Listed, not "*": the Fetch standard never lets "*" cover Authorization, so a strict browser
    // would refuse a SigV4-signed call at preflight (sst #1014). These are the headers SigV4 adds.
    allowHeaders: ["authorization", "content-type", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"],
    // Browsers then skip the preflight of a repeated call: one request per warm signed call.
    maxAge: "1 hour",
  },
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
        args.transform = {
          ...args.transform,
          role: (role) => {
            // SST 4.17.1 lets the whole account assume every Lambda role, even outside `sst dev`
            // (function.ts tests `!dev` on an Output, which is never falsy). Deployed roles trust Lambda alone.
            if (!$dev)
              role.assumeRolePolicy = JSON.stringify(
                aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
              );
            // SST 4.17.1 attaches AWSLambdaBasicExecutionRole: logs:CreateLogGroup, CreateLogStream and
            // PutLogEvents on every log group in the account, the API's access log included. Each
            // route's Lambda writes to its own group instead (`writeOwnLogsOnly` below).
            role.managedPolicyArns = $util
              .output(role.managedPolicyArns ?? [])
              .apply((arns) => arns.filter((arn) => !arn.endsWith(BASIC_EXECUTION_ROLE)));
          },
        };
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

writeOwnLogsOnly(api.route("GET /public", `${HANDLERS}/public.handler`, { auth: false }), "ApiPublic");
writeOwnLogsOnly(api.route("GET /private", `${HANDLERS}/private.handler`), "ApiPrivate");
writeOwnLogsOnly(api.route("GET /files", { handler: `${HANDLERS}/files.handler`, link: [uploadsListing] }), "ApiFiles");
