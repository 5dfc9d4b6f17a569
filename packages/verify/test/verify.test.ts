import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { UsageError } from "@iam-auth-api/cli/cli-error";
import { infraCors } from "@iam-auth-api/infra-harness/cors";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteServesApp } from "../src/checks";
import { line } from "../src/report";
import { resolveStage, type Stage } from "../src/stage";
import { type LocalStage, startLocalStage, withSiteAt } from "./stack";

let stage: LocalStage;
beforeAll(async () => {
  stage = await startLocalStage();
}, 120_000);
afterAll(async () => {
  await stage?.stop();
});

const lines = (stdout: string) => stdout.split("\n").filter((text) => /^[✓✗–] /.test(text));
const titled = (stdout: string, title: string) => {
  const found = lines(stdout).filter((text) => text.slice(2).startsWith(title));
  expect(found, `one line titled "${title}" in:\n${stdout}`).toHaveLength(1);
  return found[0];
};
const throwawayEmails = (stdout: string) => [...new Set(stdout.match(/verify-[0-9a-f]{8}-[ab]@example\.invalid/g))];

/** Neither user remains in the pool, and no object under a verify- name in the bucket. */
async function nothingLeftBehind(stdout: string) {
  const emails = throwawayEmails(stdout);
  expect(emails).toHaveLength(2);
  for (const email of emails) {
    await expect(
      stage.loopback.cognitoLocal("AdminGetUser", { UserPoolId: stage.loopback.outputs.UserPool, Username: email }),
    ).rejects.toThrow(/UserNotFound/);
  }
  const keys = [...(await stage.loopback.storedObjects()).keys()];
  expect(keys.filter((key) => key.includes("/verify-"))).toEqual([]);
}

const args = () => ["--stage", "dev", "--outputs", stage.outputsFile];

describe("npm run verify against the loopback doubles", () => {
  it("passes every check against the doubles serving the app as evaluated, waits out a settling identity pool, and leaves nothing behind", async () => {
    // As right after a deploy: the identity pool's roles are not in place everywhere yet.
    stage.loopback.failNext(
      "cognitoIdentity",
      "InvalidIdentityPoolConfigurationException",
      "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    );
    // The outputs file as typed in the directory that holds it.
    const { code, stdout, stderr } = await stage.verify(["--stage", "dev", "--outputs", "outputs.json"]);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^Verifying stage dev \(outputs\.json\): /);
    // Every line passes, the refusals issue 16 added (a copy, a presigned GET) and the site's headers included.
    expect(lines(stdout).filter((text) => !text.startsWith("✓"))).toEqual([]);
    expect(titled(stdout, "a server-side copy is refused")).toMatch(/→ 403 AccessDenied/);
    expect(titled(stdout, "a presigned GET is refused")).toMatch(/→ 403 AccessDenied/);
    expect(titled(stdout, "the site sends its security headers")).toMatch(
      /sent content-security-policy, .*page CSP "default-src 'self'; connect-src /,
    );
    expect(lines(stdout)).toHaveLength(23);
    expect(titled(stdout, "two throwaway users sign in")).toMatch(
      /retried 1× over [\d.]+ s after InvalidIdentityPoolConfigurationException, as a fresh deploy settles/,
    );
    expect(titled(stdout, "user A downloads the same bytes")).toMatch(/→ 200, 1024 bytes$/);
    expect(titled(stdout, "after a global sign-out")).toMatch(/→ NotAuthorizedException/);
    expect(stdout).toMatch(/All checks passed: 23 passed, 0 failed\./);
    expect(stdout).toMatch(/Removed what verify created: .*users /);
    expect(code).toBe(0);
    await nothingLeftBehind(stdout);
  }, 90_000);

  it("--local reads the outputs and the endpoints from .sst/local/outputs.json, as `npm start` writes them", async () => {
    const { code, stdout, stderr } = await stage.verifyLocal();
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^Verifying stage local \(\.sst\/local\/outputs\.json\): /);
    // The same lines as with the endpoint variables.
    expect(lines(stdout).filter((text) => text.startsWith("✓"))).toHaveLength(23);
    expect(code).toBe(0);
    await nothingLeftBehind(stdout);
  }, 90_000);

  it("fails the CORS checks, naming the origin, when the API's and bucket's CORS lack the site", async () => {
    const saved = structuredClone(stage.cors);
    const site = JSON.parse(await readFile(stage.outputsFile, "utf8")).Web as string;
    stage.cors.api.allowOrigins = stage.cors.api.allowOrigins!.filter((origin) => origin !== site);
    for (const rule of stage.cors.bucket) rule.allowedOrigins = rule.allowedOrigins.filter((origin) => origin !== site);
    try {
      const { code, stdout } = await stage.verify(args());
      expect(titled(stdout, "the API admits a signed call from the site")).toMatch(
        new RegExp(`^✗ .*refused: no Access-Control-Allow-Origin .* a browser on ${site} cannot call the API`),
      );
      for (const upload of ["a single PUT upload", "a multipart upload"])
        expect(titled(stdout, `the bucket admits ${upload}`)).toMatch(
          new RegExp(`^✗ .*403 refused: .* a browser on ${site} cannot upload`),
        );
      expect(code).toBe(1);
      await nothingLeftBehind(stdout);
    } finally {
      Object.assign(stage.cors.api, saved.api);
      for (const [index, rule] of stage.cors.bucket.entries()) Object.assign(rule, saved.bucket[index]);
    }
  }, 90_000);

  it("fails the signed API call's preflight when the API allows headers by * (sst #1014), pointing at the headers", async () => {
    const saved = [...stage.cors.api.allowHeaders!];
    stage.cors.api.allowHeaders = ["*"];
    try {
      const { code, stdout } = await stage.verify(args());
      // API Gateway answers a preflight it does not admit without CORS headers: the line says what a browser sees.
      expect(titled(stdout, "the API admits a signed call from the site")).toMatch(
        /^✗ .*for GET with authorization,x-amz-date,x-amz-security-token → 204 refused: .* must allow that origin, GET and the SigV4 headers by name$/,
      );
      expect(titled(stdout, "the bucket admits a single PUT upload")).toMatch(/^✓ /);
      expect(code).toBe(1);
      await nothingLeftBehind(stdout);
    } finally {
      stage.cors.api.allowHeaders = saved;
    }
  }, 90_000);

  it("checks a production stage only with --yes, against production's CORS (the site alone)", async () => {
    const saved = structuredClone(stage.cors);
    const site = JSON.parse(await readFile(stage.outputsFile, "utf8")).Web as string;
    const evaluated = (await evaluate({ stage: "production" })).outputs.Web as string;
    const production = withSiteAt(await infraCors("production"), evaluated, site);
    // The site is production's one origin: the dev server's is not admitted there.
    expect(production.api.allowOrigins).toEqual([site]);
    Object.assign(stage.cors.api, production.api);
    for (const [index, rule] of stage.cors.bucket.entries()) Object.assign(rule, production.bucket[index]);
    try {
      const { code, stdout } = await stage.verify(["--stage", "prod", "--yes", "--outputs", stage.outputsFile]);
      expect(stdout).toMatch(/^Verifying stage prod /);
      expect(lines(stdout).filter((text) => text.startsWith("✓"))).toHaveLength(25);
      for (const service of ["API", "bucket"])
        expect(titled(stdout, `the ${service} refuses http://localhost:5173`)).toMatch(/^✓ .* → \d+ refused: /);
      // Production with the dev server's origin still admitted, as a dev stage has it: both lines name it.
      Object.assign(stage.cors.api, saved.api);
      for (const [index, rule] of stage.cors.bucket.entries()) Object.assign(rule, saved.bucket[index]);
      const devCors = await stage.verify(["--stage", "prod", "--yes", "--outputs", stage.outputsFile]);
      for (const service of ["API", "bucket"])
        expect(titled(devCors.stdout, `the ${service} refuses http://localhost:5173`)).toMatch(
          /^✗ .* admitted .* cors admits the dev server on production/,
        );
      expect(devCors.code).toBe(1);
      await nothingLeftBehind(devCors.stdout);
      expect(code).toBe(0);
      await nothingLeftBehind(stdout);
    } finally {
      Object.assign(stage.cors.api, saved.api);
      for (const [index, rule] of stage.cors.bucket.entries()) Object.assign(rule, saved.bucket[index]);
    }
  }, 90_000);

  it("on Ctrl-C stops after the check under way, removes the users and files, and exits 130", async () => {
    const child = stage.start(args());
    let stdout = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    await expect.poll(() => stdout, { timeout: 60_000, interval: 50 }).toMatch(/uploads a file to its own prefix/);
    // As a terminal does: the whole foreground process group (npm, tsx, verify) gets SIGINT.
    process.kill(-child.pid!, "SIGINT");
    expect(await closed).toBe(130);
    expect(stdout).not.toMatch(/after a global sign-out/);
    expect(stdout).toMatch(/Removed what verify created: .*users verify-/);
    await nothingLeftBehind(stdout);
  }, 90_000);
});

describe("a site that does not answer", () => {
  // A port that was free a moment ago: nothing listens there.
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

  it("is one failed line naming the address and what to do, on a deployed stage and under npm start --no-web", async () => {
    const site = `http://127.0.0.1:${await closedPort()}`;
    const outputs = { ...JSON.parse(await readFile(stage.outputsFile, "utf8")), Web: site };
    const deployed: Stage = { name: "dev", outputsFile: "outputs.json", outputs, production: false, env: stage.env };
    expect((await siteServesApp(deployed)).map(line)).toEqual([
      `✗ the site serves the web client's index.html: GET ${site} → no answer (ECONNREFUSED) — the Web output names no running site: run \`npx sst deploy\`, which deploys the site and rewrites the outputs`,
    ]);
    const [local] = await siteServesApp({ ...deployed, name: "local" });
    expect(line(local)).toMatch(
      /→ no answer \(ECONNREFUSED\) — npm start serves the site .* unless started with --no-web: start it without --no-web/,
    );
  });
});

describe("npm run verify refuses to start", () => {
  const usage = [
    ["an unknown flag", ["--stag", "dev"], /^Unknown option '--stag'.*Usage: npm run verify -- --stage <stage>/],
    ["no stage", [], /^Say which stage to verify: --stage <stage>/],
    [
      "a missing outputs file",
      ["--stage", "dev", "--outputs", "missing.json"],
      /^The outputs file missing\.json does not exist/,
    ],
    ["production without --yes", ["--stage", "prod"], /^Stage prod is production: .* add --yes to go ahead\.\n$/],
    [
      "--local before `npm start` wrote its outputs",
      ["--local"],
      /^\.sst\/local\/outputs\.json does not exist: start the local stack with `npm start`/,
    ],
  ] as const;
  // In-process, through resolveStage: main's first step, whose UsageError main prints alone on
  // stderr (exit 2). From a directory of the test's own: the repository may hold npm start's outputs.
  it.each(usage)("with one line and exit 2 for %s", async (_case, argv, message) => {
    const refusal: unknown = await resolveStage([...argv], stage.env, stage.home).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(UsageError);
    const { message: line } = refusal as UsageError;
    expect(line.split("\n")).toHaveLength(1);
    expect(`${line}\n`).toMatch(message);
  });

  // The wiring of that step to the process, through npm as a user types it.
  it("with that line alone on stderr, nothing on stdout and exit 2, from `npm run verify`", async () => {
    const [, argv, message] = usage[0];
    const { code, stdout, stderr } = await stage.npmRunVerify([...argv]);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });

  it("with one line and exit 2 without AWS credentials, before creating anything", async () => {
    const before = stage.loopback.count("cognitoIdp");
    const { code, stdout, stderr } = await stage.verify(args(), {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
    });
    expect(stderr).toMatch(
      /^verify creates and deletes its two throwaway users with your own AWS credentials .* and found none: set AWS_PROFILE/,
    );
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
    expect(code).toBe(2);
    expect(stage.loopback.count("cognitoIdp")).toBe(before);
  });
});
