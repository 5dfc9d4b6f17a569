import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsV4Signer } from "aws4fetch";
import { build as viteBuild, resolveConfig } from "vite";
import { describe, expect, test } from "vitest";
import { DEV_SERVER_ORIGIN } from "@iam-auth-api/client/dev-server";
import { PASSWORD_POLICY } from "@iam-auth-api/client/password-policy";
import { type ClientSettings, SETTING_OUTPUTS, VITE_NAMES } from "@iam-auth-api/client/settings";
import type { Evaluation } from "@iam-auth-api/infra-harness/evaluation";
import { apiRoutes, inComponent, referencing, single } from "@iam-auth-api/infra-harness/graph";
import { STAGES, useEvaluation } from "./fixtures";

const ROOT = new URL("../..", import.meta.url).pathname;

/** What a browser must be allowed to send with a SigV4-signed call: every header the signer adds (upstream sst #1014). */
const SIGV4_HEADERS = ["authorization", "content-type", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"];

/** The headers aws4fetch (the web client's signer) puts on a request, with a body and temporary credentials. */
async function signedHeaderNames(service: string): Promise<string[]> {
  const { headers } = await new AwsV4Signer({
    url: "https://example.com/x",
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret",
    sessionToken: "token",
    service,
    region: "us-east-1",
  }).sign();
  return [...headers.keys()];
}

const api = (app: Evaluation) => single(app, "aws:apigatewayv2/api:Api");
const uploadsCors = (app: Evaluation) =>
  inComponent(app, "Uploads", "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration").inputs.corsRules;
const siteBuilder = (app: Evaluation) => single(app, "command:local:Command");

describe.each(STAGES)("web client (%s)", (stage) => {
  const app = useEvaluation({ stage });
  const production = stage === "production";

  test("is built from packages/web with Vite, and SST uploads the directory Vite writes", async () => {
    expect(
      app().siteBuilds.map(({ name, path, command }) => ({ name, path, command })),
      "site builds",
    ).toEqual([{ name: "Web", path: "packages/web", command: "npm run build" }]);
    const [build] = app().siteBuilds;
    const site = join(ROOT, build.path);
    const { default: manifest } = await import(join(site, "package.json"), { with: { type: "json" } });
    expect(manifest.scripts.build, "packages/web build script").toBe("vite build");
    const vite = await resolveConfig({ root: site, logLevel: "silent" }, "build");
    expect(build.output, "build output vs Vite's outDir").toBe(vite.build.outDir);
    expect(siteBuilder(app()).inputs.dir, "build command directory").toBe(site);
  });

  test("the build gets every client setting, the same values as the stage's outputs, and no test endpoint", () => {
    const environment: Record<string, string> = siteBuilder(app()).inputs.environment;
    const settings = Object.keys(VITE_NAMES) as Array<keyof ClientSettings>;
    expect(Object.keys(environment).sort(), "build environment names").toEqual(
      settings.map((setting) => VITE_NAMES[setting]).sort(),
    );
    for (const setting of settings) {
      expect(environment[VITE_NAMES[setting]], `${VITE_NAMES[setting]} vs output ${SETTING_OUTPUTS[setting]}`).toBe(
        app().outputs[SETTING_OUTPUTS[setting]],
      );
      expect(environment[VITE_NAMES[setting]], VITE_NAMES[setting]).toMatch(/\S/);
    }
  });

  test.runIf(production)(
    "the build SST runs bakes in the stage's settings and none of the test endpoints",
    async () => {
      const [siteBuild] = app().siteBuilds;
      const environment: Record<string, string> = siteBuilder(app()).inputs.environment;
      const outDir = await mkdtemp(join(tmpdir(), "web-build-"));
      // As the deploy runs it: this environment and nothing else, whatever this shell has set.
      const saved = { ...process.env };
      for (const name of Object.keys(process.env)) if (name.startsWith("VITE_")) delete process.env[name];
      Object.assign(process.env, environment);
      try {
        await viteBuild({ root: join(ROOT, siteBuild.path), logLevel: "silent", build: { outDir, emptyOutDir: true } });
        const assets = join(outDir, "assets");
        const bundle = (
          await Promise.all(
            (
              await readdir(assets)
            )
              .filter((file) => file.endsWith(".js"))
              .map((file) => readFile(join(assets, file), "utf8")),
          )
        ).join("\n");
        for (const [name, value] of Object.entries(environment)) expect(bundle, `${name} baked in`).toContain(value);
        for (const leftover of ["VITE_TEST_ENDPOINT", "127.0.0.1", "localhost"])
          expect(bundle, `real build mentions ${leftover}`).not.toContain(leftover);
      } finally {
        process.env = saved;
        await rm(outDir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  test("the Web output is the site's URL, served by a CloudFront distribution", () => {
    const distribution = single(app(), "aws:cloudfront/distribution:Distribution");
    expect(app().outputs.Web, "Web output").toBe(`https://${distribution.outputs.domainName}`);
  });

  test(`the API and the bucket answer browsers from the site${production ? " only" : ` and the Vite dev server (${DEV_SERVER_ORIGIN})`}`, () => {
    const origins = production ? [app().outputs.Web] : [app().outputs.Web, DEV_SERVER_ORIGIN];
    expect(api(app()).inputs.corsConfiguration.allowOrigins, "API allowOrigins").toEqual(origins);
    expect(
      uploadsCors(app()).map((rule: Record<string, unknown>) => rule.allowedOrigins),
      "uploads bucket allowedOrigins per rule",
    ).toEqual([origins]);
  });

  test("the API lets a browser send exactly the SigV4 headers, never a wildcard", async () => {
    const allowed: string[] = api(app()).inputs.corsConfiguration.allowHeaders.map((header: string) =>
      header.toLowerCase(),
    );
    expect([...allowed].sort(), "API allowHeaders").toEqual(SIGV4_HEADERS);
    for (const service of ["execute-api", "s3"]) {
      for (const header of await signedHeaderNames(service))
        expect(allowed, `${header} (signed for ${service})`).toContain(header);
    }
  });

  test("the API allows exactly the methods its routes serve, and lets browsers cache the preflight", () => {
    const cors = api(app()).inputs.corsConfiguration;
    const served = [...new Set(apiRoutes(app()).map((route) => route.routeKey.split(" ")[0]))].sort();
    expect([...cors.allowMethods].sort(), "API allowMethods").toEqual(served);
    expect(cors.maxAge, "API CORS maxAge (seconds)").toBeGreaterThan(0);
  });

  test("the uploads bucket allows multipart uploads from a browser: POST, PUT, and the ETag exposed", () => {
    const [rule] = uploadsCors(app());
    for (const method of ["GET", "PUT", "POST", "DELETE"])
      expect(rule.allowedMethods, `uploads bucket allowedMethods has ${method}`).toContain(method);
    expect(rule.exposeHeaders, "uploads bucket exposeHeaders").toContain("ETag");
  });

  test("the site's own bucket answers no browser: CloudFront serves it", () => {
    const assetsBucket = inComponent(app(), "WebAssets", "aws:s3/bucket:Bucket");
    const cors = referencing(
      app(),
      "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
      "bucket",
      assetsBucket.outputs.bucket,
    );
    expect(cors, "CORS rules on the site's assets bucket").toEqual([]);
  });

  test("the password rule the web client shows is the user pool's policy", () => {
    const policy = single(app(), "aws:cognito/userPool:UserPool").inputs.passwordPolicy;
    for (const [setting, value] of Object.entries(PASSWORD_POLICY))
      expect(policy[setting], `user pool passwordPolicy.${setting}`).toBe(value);
  });
});
