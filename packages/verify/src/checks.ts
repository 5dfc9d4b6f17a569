/**
 * Each check: one request (or a few) to the running stage, judged as its users would meet it.
 * A check returns its Outcome; it never throws for an answer it did not expect.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { s3Client } from "@iam-auth-api/cli/files";
import { apiRequest, apiUrl } from "@iam-auth-api/cli/http";
import { DEV_SERVER_ORIGIN } from "@iam-auth-api/client/dev-server";
import { clientSettings, viteVariables } from "@iam-auth-api/client/settings";
import {
  HEADER_CONTENT_SECURITY_POLICY,
  pageContentSecurityPolicy,
  pageEndpoints,
  REFERRER_POLICY,
} from "@iam-auth-api/client/site-security";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import type { FilePage } from "@iam-auth-api/core/list-files";
import {
  type Answer,
  objectUrl,
  preflight,
  preflightRefusal,
  presignedUrl,
  send,
  signedHeaderNames,
  Unreachable,
} from "./probe";
import { type Outcome, quoted } from "./report";
import { awsErrorName, settle, settlingError } from "./settle";
import type { Stage } from "./stage";
import { globalSignOut, identityPoolCredentials, type Ledger, type SignedInUser } from "./users";

/**
 * What this version of the app does not promise yet (issue 16, the hardening, adds each): the check
 * still runs and shows what came back, but a stage that allows it is reported `–`, not ✗. Delete an
 * entry when the app starts promising it.
 */
/** An origin that is not the site's: no stage may admit it. */
export const FOREIGN_ORIGIN = "https://verify-foreign-origin.invalid";

const pass = (title: string, sent: string, got: string, retried?: string): Outcome => ({
  status: "pass",
  title,
  sent,
  got,
  retried,
});
const fail = (title: string, sent: string, got: string, problem: string, retried?: string): Outcome => ({
  status: "fail",
  title,
  sent,
  got,
  problem,
  retried,
});
/** A check this stage cannot settle (the local stack's dev server is not the deployed site): noted, never passed. */
const notSettledHere = (title: string, sent: string, got: string, why: string): Outcome => ({
  status: "pending",
  title,
  sent,
  got,
  problem: why,
});

/** `AccessDenied`, `200`…: what an SDK call came back with. */
function sdkAnswer(result: { value: unknown } | { error: unknown }): string {
  if ("value" in result) return "200";
  const error = result.error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return `${error.$metadata?.httpStatusCode ?? "error"} ${awsErrorName(error)}${error.message && error.message !== awsErrorName(error) ? ` (${error.message.split("\n")[0]})` : ""}`;
}

const refused = (result: { value: unknown } | { error: unknown }) =>
  "error" in result && ["AccessDenied", "Forbidden"].includes(awsErrorName(result.error));

// ---- the API ----

export async function publicAnswers(stage: Stage): Promise<Outcome> {
  const title = "GET /public answers without a signature";
  const sent = `GET ${apiUrl(stage.outputs.Api, "/public")} unsigned`;
  const answer = await apiRequest(stage.outputs.Api, { method: "GET", path: "/public" }, undefined, stage.env);
  const got = `${answer.status} ${quoted(answer.body)}`;
  return answer.status === 200
    ? pass(title, sent, got)
    : fail(title, sent, got, "the public route does not answer: check that GET /public is deployed with auth: false");
}

export async function privateRefusedUnsigned(stage: Stage): Promise<Outcome> {
  const title = "GET /private refuses an unsigned caller";
  const sent = `GET ${apiUrl(stage.outputs.Api, "/private")} unsigned`;
  const answer = await apiRequest(stage.outputs.Api, { method: "GET", path: "/private" }, undefined, stage.env);
  const got = `${answer.status} ${quoted(answer.body)}`;
  return answer.status === 403 || answer.status === 401
    ? pass(title, sent, got)
    : fail(title, sent, got, "anyone can call GET /private: its route must use AWS_IAM authorization (infra/api.ts)");
}

/** `GET <path>` signed with the user's credentials; a 403 right after a deploy is waited out. */
async function signedGet(stage: Stage, user: SignedInUser, path: string) {
  const signing = { region: stage.outputs.Region, credentials: user.credentials };
  const settled = await settle(
    stage.env,
    () => apiRequest(stage.outputs.Api, { method: "GET", path }, signing, stage.env),
    (result) => ("value" in result && result.value.status === 403 ? "403 Forbidden" : undefined),
  );
  if ("error" in settled.result) throw settled.result.error;
  return { answer: settled.result.value, retried: settled.retried };
}

export async function signedPrivate(stage: Stage, user: SignedInUser): Promise<Outcome> {
  const title = `GET /private signed by user ${user.label} answers with ${user.label}'s identity`;
  const sent = `GET ${apiUrl(stage.outputs.Api, "/private")} signed (SigV4, execute-api)`;
  const { answer, retried } = await signedGet(stage, user, "/private");
  const got = `${answer.status} ${quoted(answer.body)}`;
  if (answer.status !== 200)
    return fail(
      title,
      sent,
      got,
      "the signed-in role may not invoke the API (execute-api:Invoke in infra/auth.ts)",
      retried,
    );
  const identityId = (JSON.parse(answer.body) as { identityId?: string }).identityId;
  return identityId === user.identityId
    ? pass(title, sent, got, retried)
    : fail(title, sent, got, `the handler saw identity ${identityId}, not ${user.identityId}`, retried);
}

export async function filesListsUpload(stage: Stage, user: SignedInUser, key: string): Promise<Outcome> {
  const title = `GET /files signed by user ${user.label} lists ${user.label}'s upload`;
  const sent = `GET ${apiUrl(stage.outputs.Api, "/files")} signed`;
  const { answer, retried } = await signedGet(stage, user, "/files");
  const got = `${answer.status} ${quoted(answer.body)}`;
  if (answer.status !== 200) return fail(title, sent, got, "the files route failed for a signed-in user", retried);
  const page = JSON.parse(answer.body) as FilePage;
  return page.files.some((file) => file.key === key)
    ? pass(title, sent, got, retried)
    : fail(title, sent, got, `${key} is missing from the listing (the files Lambda's s3:ListBucket grant?)`, retried);
}

// ---- CORS, as a browser on the site asks ----

function siteOrigin(stage: Stage): string {
  return new URL(stage.outputs.Web).origin;
}

async function corsCheck(
  title: string,
  url: string,
  origin: string,
  method: string,
  headers: string[],
  expectAdmitted: boolean,
  whatIsWrong: string,
): Promise<Outcome> {
  const sent = `OPTIONS ${url} from ${origin} for ${method} with ${headers.join(",")}`;
  const answer: Answer = await preflight(url, origin, method, headers);
  const refusal = preflightRefusal(answer, origin, method, headers);
  const got = `${answer.status} ${refusal ? `refused: ${refusal}` : `admitted (Allow-Origin ${answer.headers.get("access-control-allow-origin")})`}`;
  if (expectAdmitted === !refusal) return pass(title, sent, got);
  return fail(title, sent, got, whatIsWrong);
}

export async function corsSignedApiCall(stage: Stage, user: SignedInUser): Promise<Outcome> {
  const url = apiUrl(stage.outputs.Api, "/private").href;
  const headers = await signedHeaderNames(url, "GET", "execute-api", stage.outputs.Region, user.credentials);
  return corsCheck(
    "the API admits a signed call from the site (CORS preflight)",
    url,
    siteOrigin(stage),
    "GET",
    headers,
    true,
    `a browser on ${siteOrigin(stage)} cannot call the API: the API's cors (infra/api.ts) must allow that origin, GET and the SigV4 headers by name`,
  );
}

export async function corsUpload(stage: Stage, user: SignedInUser, key: string, multipart: boolean): Promise<Outcome> {
  const url = objectUrl(stage, key, multipart ? "?uploads" : "");
  const method = multipart ? "POST" : "PUT";
  const own = { "content-type": "application/octet-stream" };
  const headers = await signedHeaderNames(url, method, "s3", stage.outputs.Region, user.credentials, own);
  return corsCheck(
    `the bucket admits ${multipart ? "a multipart upload (POST ?uploads)" : "a single PUT upload"} from the site (CORS preflight)`,
    url,
    siteOrigin(stage),
    method,
    headers,
    true,
    `a browser on ${siteOrigin(stage)} cannot upload: the bucket's cors (infra/storage.ts) must allow that origin, ${method} and these headers`,
  );
}

/**
 * Origins that are not the site's: a made-up one on every stage, and on production the Vite dev
 * server's too, which only other stages admit (infra/web-origins.ts).
 */
export async function corsForeignOrigins(stage: Stage, user: SignedInUser, key: string): Promise<Outcome[]> {
  const api = apiUrl(stage.outputs.Api, "/private").href;
  const object = objectUrl(stage, key);
  const [apiHeaders, s3Headers] = await Promise.all([
    signedHeaderNames(api, "GET", "execute-api", stage.outputs.Region, user.credentials),
    signedHeaderNames(object, "PUT", "s3", stage.outputs.Region, user.credentials),
  ]);
  const origins = stage.production ? [FOREIGN_ORIGIN, DEV_SERVER_ORIGIN] : [FOREIGN_ORIGIN];
  const problem = (what: string, origin: string) =>
    origin === DEV_SERVER_ORIGIN
      ? `${what}'s cors admits the dev server on production: any local page on port ${new URL(origin).port} could read your users' answers`
      : `${what}'s cors admits ${origin}: list only the site (and the dev server outside production), never *`;
  const outcomes: Outcome[] = [];
  for (const origin of origins) {
    outcomes.push(
      await corsCheck(
        `the API refuses ${origin} (CORS preflight)`,
        api,
        origin,
        "GET",
        apiHeaders,
        false,
        problem("the API", origin),
      ),
      await corsCheck(
        `the bucket refuses ${origin} (CORS preflight)`,
        object,
        origin,
        "PUT",
        s3Headers,
        false,
        problem("the bucket", origin),
      ),
    );
  }
  return outcomes;
}

// ---- files, with the users' own credentials ----

function s3For(stage: Stage, user: SignedInUser) {
  return s3Client({
    bucket: stage.outputs.Bucket,
    region: stage.outputs.Region,
    session: user.session,
    env: stage.env,
  });
}

async function s3Call<T>(stage: Stage, attempt: () => Promise<T>, mustSucceed: boolean) {
  return settle(stage.env, attempt, (result) =>
    mustSucceed && "error" in result ? settlingError(result.error) : undefined,
  );
}

export async function upload(
  stage: Stage,
  ledger: Ledger,
  user: SignedInUser,
  key: string,
  bytes: Buffer,
): Promise<Outcome> {
  const title = `user ${user.label} uploads a file to its own prefix`;
  const sent = `PutObject s3://${stage.outputs.Bucket}/${key} (${bytes.length} bytes)`;
  ledger.objects.set(key, user);
  const { result, retried } = await s3Call(
    stage,
    () => s3For(stage, user).send(new PutObjectCommand({ Bucket: stage.outputs.Bucket, Key: key, Body: bytes })),
    true,
  );
  return "value" in result
    ? pass(title, sent, sdkAnswer(result), retried)
    : fail(
        title,
        sent,
        sdkAnswer(result),
        "a user may not write under private/<own identity id>/ (infra/auth.ts's S3 grant)",
        retried,
      );
}

export async function listOwn(stage: Stage, user: SignedInUser, key: string, size: number): Promise<Outcome> {
  const title = `user ${user.label} lists its own prefix`;
  const prefix = ownFilesPrefix(user.identityId);
  const sent = `ListObjectsV2 s3://${stage.outputs.Bucket}?prefix=${prefix}`;
  const { result, retried } = await s3Call(
    stage,
    () => s3For(stage, user).send(new ListObjectsV2Command({ Bucket: stage.outputs.Bucket, Prefix: prefix })),
    true,
  );
  if ("error" in result)
    return fail(
      title,
      sent,
      sdkAnswer(result),
      "a user may not list its own prefix (s3:ListBucket with s3:prefix)",
      retried,
    );
  const found = result.value.Contents?.find((object) => object.Key === key);
  const got = `200, ${result.value.KeyCount ?? 0} key(s)${found ? `, ${key} (${found.Size} bytes)` : ""}`;
  return found?.Size === size
    ? pass(title, sent, got, retried)
    : fail(title, sent, got, `the listing lacks ${key} with its ${size} bytes`, retried);
}

export async function downloadSame(stage: Stage, user: SignedInUser, key: string, bytes: Buffer): Promise<Outcome> {
  const title = `user ${user.label} downloads the same bytes`;
  const sent = `GetObject s3://${stage.outputs.Bucket}/${key}`;
  const { result, retried } = await s3Call(
    stage,
    async () => {
      const object = await s3For(stage, user).send(new GetObjectCommand({ Bucket: stage.outputs.Bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    },
    true,
  );
  if ("error" in result) return fail(title, sent, sdkAnswer(result), "a user may not read its own file", retried);
  const got = `200, ${result.value.length} bytes`;
  return result.value.equals(bytes)
    ? pass(title, sent, got, retried)
    : fail(title, sent, got, "the bytes differ from those uploaded", retried);
}

export async function otherUserCannotRead(
  stage: Stage,
  reader: SignedInUser,
  owner: SignedInUser,
  key: string,
): Promise<Outcome[]> {
  const s3 = s3For(stage, reader);
  const read = await settle(
    stage.env,
    () => s3.send(new GetObjectCommand({ Bucket: stage.outputs.Bucket, Key: key })),
    () => undefined,
  );
  const prefix = ownFilesPrefix(owner.identityId);
  const list = await settle(
    stage.env,
    () => s3.send(new ListObjectsV2Command({ Bucket: stage.outputs.Bucket, Prefix: prefix })),
    () => undefined,
  );
  const problem = `user ${reader.label}'s credentials reach user ${owner.label}'s files: the role must name only private/\${cognito-identity.amazonaws.com:sub}/ (infra/auth.ts)`;
  const judge = (title: string, sent: string, result: { value: unknown } | { error: unknown }) =>
    refused(result) ? pass(title, sent, sdkAnswer(result)) : fail(title, sent, sdkAnswer(result), problem);
  return [
    judge(
      `user ${reader.label} cannot read user ${owner.label}'s file`,
      `GetObject s3://${stage.outputs.Bucket}/${key} with ${reader.label}'s credentials`,
      read.result,
    ),
    judge(
      `user ${reader.label} cannot list user ${owner.label}'s prefix`,
      `ListObjectsV2 prefix=${prefix} with ${reader.label}'s credentials`,
      list.result,
    ),
  ];
}

/** A request that must be refused: ✓ on AccessDenied; an object it wrongly created is in the ledger for clean-up. */
async function mustBeRefused(
  title: string,
  sent: string,
  attempt: () => Promise<unknown>,
  problem: string,
): Promise<Outcome> {
  const result = await attempt().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const got = sdkAnswer(result);
  if (refused(result)) return pass(title, sent, got);
  return fail(title, sent, got, problem);
}

export function deepArchiveRefused(stage: Stage, ledger: Ledger, user: SignedInUser, key: string): Promise<Outcome> {
  ledger.objects.set(key, user);
  return mustBeRefused(
    "a DEEP_ARCHIVE upload is refused",
    `PutObject s3://${stage.outputs.Bucket}/${key} x-amz-storage-class: DEEP_ARCHIVE`,
    () =>
      s3For(stage, user).send(
        new PutObjectCommand({ Bucket: stage.outputs.Bucket, Key: key, Body: "x", StorageClass: "DEEP_ARCHIVE" }),
      ),
    "users can store in DEEP_ARCHIVE (180 days billed per object): the role must allow only STANDARD (s3:x-amz-storage-class)",
  );
}

export function copyRefused(
  stage: Stage,
  ledger: Ledger,
  user: SignedInUser,
  source: string,
  target: string,
): Promise<Outcome> {
  ledger.objects.set(target, user);
  return mustBeRefused(
    "a server-side copy is refused",
    `CopyObject ${source} → ${target}`,
    () =>
      s3For(stage, user).send(
        new CopyObjectCommand({
          Bucket: stage.outputs.Bucket,
          Key: target,
          CopySource: `${stage.outputs.Bucket}/${encodeURI(source)}`,
        }),
      ),
    "a user can multiply storage without uploading: deny s3:PutObject when s3:x-amz-copy-source is present",
  );
}

export async function presignedRefused(stage: Stage, user: SignedInUser, key: string): Promise<Outcome> {
  const title = "a presigned GET is refused";
  const url = await presignedUrl(objectUrl(stage, key), stage.outputs.Region, user.credentials);
  const sent = `GET ${url.split("?")[0]}?X-Amz-Signature=… (presigned by user ${user.label})`;
  const answer = await send("GET", url);
  const got = `${answer.status} ${/<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1] ?? ""}`.trim();
  if (answer.status === 403) return pass(title, sent, got);
  return fail(
    title,
    sent,
    got,
    "a presigned link serves a user's file to anyone holding it: deny requests whose s3:authType is not REST-HEADER",
  );
}

export function writeOutsideOwnPrefixRefused(
  stage: Stage,
  ledger: Ledger,
  writer: SignedInUser,
  owner: SignedInUser,
  key: string,
): Promise<Outcome> {
  // Into the other user's prefix, so that if it is wrongly allowed, its owner's credentials can delete it.
  ledger.objects.set(key, owner);
  return mustBeRefused(
    `user ${writer.label} cannot write outside its own prefix`,
    `PutObject s3://${stage.outputs.Bucket}/${key} with ${writer.label}'s credentials`,
    () => s3For(stage, writer).send(new PutObjectCommand({ Bucket: stage.outputs.Bucket, Key: key, Body: "x" })),
    `user ${writer.label} can write into user ${owner.label}'s prefix: the role must name only private/\${cognito-identity.amazonaws.com:sub}/ (infra/auth.ts)`,
  );
}

export async function deleteOwn(stage: Stage, ledger: Ledger, user: SignedInUser, key: string): Promise<Outcome> {
  const title = `user ${user.label} deletes its file, which is then gone`;
  const sent = `DeleteObject s3://${stage.outputs.Bucket}/${key}, then GetObject`;
  const s3 = s3For(stage, user);
  const { result, retried } = await s3Call(
    stage,
    () => s3.send(new DeleteObjectCommand({ Bucket: stage.outputs.Bucket, Key: key })),
    true,
  );
  if ("error" in result) return fail(title, sent, sdkAnswer(result), "a user may not delete its own file", retried);
  ledger.objects.delete(key);
  const after = await s3.send(new GetObjectCommand({ Bucket: stage.outputs.Bucket, Key: key })).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const got = `${sdkAnswer(result).replace(/^200$/, "204")}, then ${sdkAnswer(after)}`;
  return "error" in after && ["NoSuchKey", "AccessDenied", "NotFound"].includes(awsErrorName(after.error))
    ? pass(title, sent, got, retried)
    : fail(title, sent, got, "the object can still be read after DeleteObject", retried);
}

// ---- revocation ----

export async function revokedTokenRefused(stage: Stage, user: SignedInUser): Promise<Outcome> {
  const title = "after a global sign-out the identity pool refuses the user's unexpired id token";
  const sent = `AdminUserGlobalSignOut ${user.email}, then GetCredentialsForIdentity with ${user.label}'s id token`;
  try {
    await globalSignOut(stage, user);
  } catch (error) {
    return fail(title, sent, `AdminUserGlobalSignOut: ${awsErrorName(error)}`, (error as Error).message);
  }
  // The sign-out reaches the identity pool's check within seconds: issued credentials are waited out like a settling deploy.
  const { result, retried } = await settle(
    stage.env,
    () => identityPoolCredentials(stage, user.idToken, user.identityId),
    (result) => ("value" in result ? "credentials still issued" : undefined),
  );
  if ("error" in result && awsErrorName(result.error) === "NotAuthorizedException")
    return pass(title, sent, `NotAuthorizedException (${(result.error as Error).message})`, retried);
  return fail(
    title,
    sent,
    "value" in result ? "credentials issued" : sdkAnswer(result),
    "a signed-out user keeps minting AWS credentials until the id token expires: turn on the identity pool's server-side token check (serverSideTokenCheck, infra/auth.ts)",
    retried,
  );
}

// ---- the site ----

/** The web client's own page title, which the deployed index.html keeps. */
function appTitle(): string {
  const web = dirname(createRequire(import.meta.url).resolve("@iam-auth-api/web/package.json"));
  return /<title>([^<]*)<\/title>/.exec(readFileSync(join(web, "index.html"), "utf8"))?.[1] ?? "";
}

/**
 * The headers the site's CloudFront distribution sends (infra/web-headers.ts): HSTS, nosniff, no
 * referrer, and a CSP header that forbids framing, plugins and <base>; the rest of the CSP is in the page.
 */
const SECURITY_HEADERS: Array<[name: string, holds: (value: string, https: boolean) => boolean]> = [
  ["content-security-policy", (value) => value === HEADER_CONTENT_SECURITY_POLICY],
  ["strict-transport-security", (value, https) => !https || /max-age=\d+/.test(value)],
  ["x-content-type-options", (value) => value.toLowerCase() === "nosniff"],
  ["referrer-policy", (value) => value.toLowerCase() === REFERRER_POLICY],
];

/** The CSP a build for these outputs writes into its page: `default-src 'self'`, connections to exactly its four endpoints. */
const expectedPageCsp = (stage: Stage) =>
  pageContentSecurityPolicy(pageEndpoints(viteVariables(clientSettings(stage.outputs))));

export async function siteServesApp(stage: Stage): Promise<Outcome[]> {
  const url = stage.outputs.Web;
  const sent = `GET ${url}`;
  let answer: Answer;
  try {
    answer = await send("GET", url);
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    return [
      fail(
        "the site serves the web client's index.html",
        sent,
        `no answer (${error.code})`,
        stage.name === "local"
          ? "npm start serves the site from Vite's dev server unless started with --no-web: start it without --no-web to verify the site"
          : "the Web output names no running site: run `npx sst deploy`, which deploys the site and rewrites the outputs",
      ),
    ];
  }
  const title = appTitle();
  const served = /<title>([^<]*)<\/title>/.exec(answer.body)?.[1];
  const got = `${answer.status} ${answer.headers.get("content-type") ?? ""} <title>${served ?? "none"}</title>`;
  const page =
    answer.status === 200 && served === title
      ? pass("the site serves the web client's index.html", sent, got)
      : fail("the site serves the web client's index.html", sent, got, `expected the page titled "${title}"`);
  const https = url.startsWith("https:");
  const wrong = SECURITY_HEADERS.filter(([name, holds]) => !holds(answer.headers.get(name) ?? "", https)).map(
    ([name]) => name,
  );
  const pageCsp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/i.exec(answer.body)?.[1];
  if (pageCsp !== expectedPageCsp(stage)) wrong.push("the page's Content-Security-Policy <meta>");
  const present = SECURITY_HEADERS.map(([name]) => name).filter((name) => answer.headers.has(name));
  const headersTitle = "the site sends its security headers and its page's CSP";
  const headersGot = `${present.length ? `sent ${present.join(", ")}` : "none of the headers"}; page CSP ${pageCsp ? `"${pageCsp}"` : "none"}`;
  const headers = !wrong.length
    ? pass(headersTitle, sent, headersGot)
    : stage.name === "local"
      ? notSettledHere(
          headersTitle,
          sent,
          headersGot,
          "npm start serves the web client from Vite's dev server, which sends neither; a deployed stage's site does (CloudFront and the build)",
        )
      : fail(headersTitle, sent, headersGot, `missing or not as infra/ configures them: ${wrong.join(", ")}`);
  return [page, headers];
}
