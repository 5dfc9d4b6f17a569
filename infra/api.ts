import { webOrigins } from "./web-origins";

const BASIC_EXECUTION_ROLE = ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/** The one route anyone may call, unsigned. */
export const PUBLIC_ROUTE = "GET /public";
/** Every route's throttle (the stage default): a leaked credential or a looping client has a ceiling. */
export const ROUTE_THROTTLE = { throttlingBurstLimit: 100, throttlingRateLimit: 50 };
/** GET /public's own, lower throttle: anonymous traffic cannot use up the signed routes' rate. */
export const PUBLIC_ROUTE_THROTTLE = { throttlingBurstLimit: 20, throttlingRateLimit: 10 };

/** Where the route handlers live. */
export const HANDLERS = "packages/functions/src";

/**
 * The public route's key as its created route reports it (resolved below, once the route exists).
 * The stage's per-route settings take it from there, so the stage waits for the route: API Gateway
 * refuses settings for a route key it does not know yet, and SST 4.17.1 creates the stage with the
 * API, before any route.
 */
let publicRouteCreated!: (routeKey: $util.Output<string>) => void;
const publicRouteKey = new Promise<$util.Output<string>>((resolve) => {
  publicRouteCreated = resolve;
});

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
      args.defaultRouteSettings = ROUTE_THROTTLE;
      args.routeSettings = $util.output(publicRouteKey).apply((routeKey) => [{ routeKey, ...PUBLIC_ROUTE_THROTTLE }]);
      args.accessLogSettings = $util.output(args.accessLogSettings).apply((settings) => withCallerIdentity(settings!));
    },
  },
});

/**
 * SST 4.17.1's access log format plus who called: the caller's Cognito identity id and pool, so abuse
 * can be traced to a user (SST leaves the id out, noting it unsupported in us-west-2; it is empty for
 * unsigned calls to GET /public).
 */
function withCallerIdentity(settings: { destinationArn: string; format: string }) {
  const format = JSON.parse(settings.format);
  return {
    ...settings,
    format: JSON.stringify({
      ...format,
      cognitoIdentityId: `"$context.identity.cognitoIdentityId"`,
      cognitoIdentityPoolId: `"$context.identity.cognitoIdentityPoolId"`,
    }),
  };
}

/**
 * Lets the route's Lambda create streams in, and write to, the log group SST made for it, and no
 * other. Read from the created log group, not its name input: SST names it with a random suffix and
 * ignores name changes, so only the resource knows the name a deployed stage really has.
 */
export function writeOwnLogsOnly(route: ReturnType<typeof api.route>, name: string) {
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
publicRouteCreated(publicRoute.nodes.route.routeKey);
writeOwnLogsOnly(publicRoute, "ApiPublic");
