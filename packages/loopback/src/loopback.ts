/**
 * The app's AWS side on 127.0.0.1, for the clients' tests, the benchmarks and `npm start`: one module
 * per AWS service, each configured from the app's offline evaluation (`app-model.ts`):
 * - `user-pool.ts`: cognito-local behind a front double (SRP, password policy, auth flows, emailed codes);
 * - `identity-pool.ts`: GetId and GetCredentialsForIdentity, with the server-side token check;
 * - `api-gateway.ts`: SigV4 (`sigv4.ts`) and IAM (`iam.ts`, the simulator) in front of the real
 *   handlers, each in a worker of its own (`lambda.ts`);
 * - `s3.ts`: s3rver behind SigV4 and IAM on the signer's role and the bucket policy;
 * - `plumbing.ts`: the servers, injected faults and the record of every request, per service.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_ENDPOINT_ENV } from "@iam-auth-api/cli/test-settings";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import type { Evaluation, Scenario } from "@iam-auth-api/infra-harness/evaluation";
import { type ApiGateway, startApiGateway } from "./api-gateway";
import { type AppModel, appModel } from "./app-model";
import type { CorsRefusal, LoopbackCors } from "./cors";
import { type CredentialStore, type FederatedProviders, type IdentityPool, startIdentityPool } from "./identity-pool";
import { startFunctions } from "./lambda";
import { type CannedAnswer, createPlumbing, type Plumbing, type RecordedRequest, type Service } from "./plumbing";
import { type S3, startS3 } from "./s3";
import { type CodeReason, type CognitoLocal, startCognitoLocal, startUserPool, type UserPool } from "./user-pool";

export type { Service } from "./plumbing";

/** The repository root: sst.config.ts and the handlers' sources. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface LoopbackOutputs {
  Api: string;
  Region: string;
  UserPool: string;
  UserPoolClient: string;
  IdentityPool: string;
  Bucket: string;
}

export interface Loopback {
  outputs: LoopbackOutputs;
  /** The app as the evaluation configures it, which the doubles serve. */
  app: AppModel;
  federated: FederatedProviders;
  /** The `Logins` maps GetId and GetCredentialsForIdentity received, oldest first. */
  loginsReceived(): Array<Record<string, string>>;
  /** Each double's URL, by the AWS service a client reaches it for. */
  endpoints: Record<keyof typeof TEST_ENDPOINT_ENV, string>;
  /** The CLI's test endpoint variables pointing at these doubles. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  count(service?: Service): number;
  /** Lifetime of the id and access tokens the user pool issues from now on (cognito-local's, an hour, when unset). */
  tokenLifetimeMs?: number;
  /** Lifetime of the temporary credentials GetCredentialsForIdentity issues from now on. */
  credentialLifetimeMs: number;
  /** As if their lifetime had passed: every credential issued so far is refused from now on. */
  expireCredentials(): void;
  /** The next `times` requests to `service` fail with this AWS error (e.g. TooManyRequestsException). */
  failNext(service: Service, errorName: string, message: string, times?: number): void;
  /** The next `times` requests to `service` lose their connection before any response. */
  dropNext(service: Service, times?: number): void;
  /** The next `times` requests to `service` get this HTTP answer (a 429 with Retry-After, a 500 with a JSON message…) instead of the double's. */
  answerNext(service: Service, answer: CannedAnswer, times?: number): void;
  /** The latest code the user pool "emailed" to this address (sign-up, resend, forgot password). */
  confirmationCode(email: string): Promise<string>;
  /** What S3 holds, key → content, bypassing every check. */
  storedObjects(): Promise<Map<string, string>>;
  /** Preflights the API and S3 doubles refused, with the reason a browser would give. */
  corsRefusals: CorsRefusal[];
  /** From now on the API answers this identity 403, as when its role no longer grants execute-api:Invoke. */
  denyApi(identityId: string): void;
  /** As AdminUserGlobalSignOut: every refresh token issued to this user stops working. */
  revokeSessions(email: string): Promise<void>;
  /** Calls cognito-local directly (admin operations, revocation), bypassing the front double. */
  cognitoLocal(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface LoopbackOptions {
  /** The app to serve: an evaluation, or the scenario to evaluate (the `dev` stage of sst.config.ts by default). */
  evaluation?: Evaluation;
  scenario?: Scenario;
  /** CORS in place of the evaluated configuration's. */
  cors?: LoopbackCors;
  /** Where users, identities, credentials and files live: kept after `stop()` when given, a temp directory removed by it otherwise. */
  dataDir?: string;
  /** Fixed ports (127.0.0.1) per service; any free port for the others. */
  ports?: Partial<Record<Service, number>>;
  /** Rebuild a handler when its sources change (`npm start`). */
  watch?: boolean;
  /** A line for the terminal: a handler's failure with its stack, a rebuild. */
  log?: (message: string) => void;
  /** Called with every code the user pool "emails". */
  onCode?: (email: string, code: string, reason: CodeReason) => void;
  /** A service stopped on its own (cognito-local exited), with why. */
  onCrash?: (service: Service, reason: string) => void;
}

/**
 * Starts every double, each as soon as what it needs is there: cognito-local while the evaluation is
 * read, then the user and identity pools beside S3, the functions and the API.
 */
export async function startLoopback(options: LoopbackOptions = {}): Promise<Loopback> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "iam-api-loopback-")));
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => {});
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const [cognitoLocal, app] = await all([
      owned(
        stops,
        startCognitoLocal(dataDir, (reason) => options.onCrash?.("cognitoIdp", reason)),
      ),
      (options.evaluation ? Promise.resolve(options.evaluation) : evaluate(options.scenario ?? { stage: "dev" })).then(
        (evaluation) => appModel(evaluation, REPOSITORY_ROOT),
      ),
    ]);
    const credentials: CredentialStore = new Map();
    const plumbing = createPlumbing(options.cors ?? app.cors, (request) => !signedByFunction(credentials, request));
    stops.push(() => plumbing.close());
    const loopback = {
      tokenLifetimeMs: undefined,
      credentialLifetimeMs: 60 * 60 * 1000,
    } as Pick<Loopback, "tokenLifetimeMs" | "credentialLifetimeMs">;
    const [{ userPool, identityPool }, { s3, api }] = await all([
      startPools(plumbing, { app, cognitoLocal, credentials, dataDir, loopback, options }),
      startStorageAndApi(plumbing, { app, credentials, dataDir, options, stops }),
    ]);
    const endpoints = { cognitoIdp: userPool.url, cognitoIdentity: identityPool.url, s3: s3.url };
    return Object.assign(loopback, {
      outputs: {
        Api: api.url,
        Region: app.region,
        UserPool: userPool.id,
        UserPoolClient: userPool.clientId,
        IdentityPool: app.identityPool.id,
        Bucket: app.bucket,
      },
      app,
      endpoints,
      env: Object.fromEntries(
        Object.entries(TEST_ENDPOINT_ENV).map(([service, name]) => [
          name,
          endpoints[service as keyof typeof endpoints],
        ]),
      ),
      federated: identityPool.federated,
      loginsReceived: () =>
        plumbing.requests
          .filter((entry) => entry.service === "cognitoIdentity")
          .map((entry) => JSON.parse(entry.body || "{}").Logins),
      requests: plumbing.requests,
      count: (service?: Service) => plumbing.requests.filter((entry) => !service || entry.service === service).length,
      ...faultInjection(plumbing),
      confirmationCode: async (email: string) => {
        const code = userPool.codeFor(email);
        if (code === undefined)
          throw new Error(
            `The user pool double emailed no code to ${email} (or it was used): sign up, resend or ask for a password reset first.`,
          );
        return code;
      },
      corsRefusals: plumbing.corsRefusals,
      denyApi: api.denyIdentity,
      expireCredentials: identityPool.expireCredentials,
      revokeSessions: userPool.revokeSessions,
      cognitoLocal: userPool.callCognitoLocal,
      storedObjects: s3.storedObjects,
      stop,
    });
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The user pool in front of cognito-local, then the identity pool that checks its tokens. */
async function startPools(
  plumbing: Plumbing,
  state: {
    app: AppModel;
    cognitoLocal: CognitoLocal;
    credentials: CredentialStore;
    dataDir: string;
    loopback: Pick<Loopback, "tokenLifetimeMs" | "credentialLifetimeMs">;
    options: LoopbackOptions;
  },
): Promise<{ userPool: UserPool; identityPool: IdentityPool }> {
  const { app, options, loopback } = state;
  const userPool = await startUserPool(plumbing, {
    config: app.userPool,
    cognitoLocal: state.cognitoLocal,
    dataDir: state.dataDir,
    port: options.ports?.cognitoIdp,
    tokenLifetimeMs: () => loopback.tokenLifetimeMs,
    onCode: options.onCode,
  });
  const identityPool = await startIdentityPool(plumbing, {
    config: app.identityPool,
    userPool,
    credentials: state.credentials,
    credentialLifetimeMs: () => loopback.credentialLifetimeMs,
    dataDir: state.dataDir,
    port: options.ports?.cognitoIdentity,
  });
  return { userPool, identityPool };
}

/** S3, then the functions (whose SDK calls S3 there), then the API that invokes them. */
async function startStorageAndApi(
  plumbing: Plumbing,
  state: {
    app: AppModel;
    credentials: CredentialStore;
    dataDir: string;
    options: LoopbackOptions;
    stops: Array<() => Promise<void>>;
  },
): Promise<{ s3: S3; api: ApiGateway }> {
  const { app, credentials, dataDir, options, stops } = state;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const dir = join(dataDir, "s3");
  await mkdir(dir, { recursive: true });
  const s3 = await owned(stops, startS3(plumbing, { app, credentials, dir, port: options.ports?.s3 }));
  const functions = await owned(
    stops,
    startFunctions({
      routes: app.routes,
      region: app.region,
      buildDir: join(dataDir, "functions"),
      s3Endpoint: s3.url,
      credentials,
      watch: options.watch,
      log,
    }),
  );
  const api = await startApiGateway(plumbing, { app, credentials, functions, port: options.ports?.api, log });
  return { s3, api };
}

/** A service once started, its `stop` among those `stop()` runs. */
async function owned<T extends { stop(): Promise<void> }>(
  stops: Array<() => Promise<void>>,
  starting: Promise<T>,
): Promise<T> {
  const service = await starting;
  stops.push(service.stop);
  return service;
}

/** Every start settled, so none is still starting when a failure stops the others; then the first failure, if any. */
async function all<T extends readonly unknown[]>(starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Whether a request is signed with a function's credentials: a handler's call, not a client's. */
function signedByFunction(credentials: CredentialStore, request: IncomingMessage): boolean {
  const accessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ""))?.[1];
  return accessKeyId !== undefined && credentials.get(accessKeyId)?.caller.kind === "function";
}

/** The faults a test queues: an AWS error, a dropped connection, or a canned HTTP answer. */
function faultInjection(plumbing: Plumbing): Pick<Loopback, "failNext" | "dropNext" | "answerNext"> {
  const times = (count: number, add: () => void) => {
    for (let i = 0; i < count; i++) add();
  };
  return {
    failNext: (service, errorName, message, count = 1) =>
      times(count, () => plumbing.faults.push({ service, errorName, message })),
    dropNext: (service, count = 1) => times(count, () => plumbing.faults.push({ service })),
    answerNext: (service, answer, count = 1) => times(count, () => plumbing.faults.push({ service, answer })),
  };
}
