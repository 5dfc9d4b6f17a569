// The web client (packages/web): what a first visit downloads, beside baselines built in the same run
// from the same node_modules, and how fast it gets to its first signed call in Chromium on loopback.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { infraCors } from "@iam-auth-api/infra-harness/cors";
import { infraSiteHeaders } from "@iam-auth-api/infra-harness/site-headers";
import { PAGE_ORIGIN, startWebApp, viteBuild, WEB_ROOT } from "@iam-auth-api/loopback/web-app";
import { openApp, signIn, signUp } from "@iam-auth-api/loopback/web-ui";
import { median } from "./stats";
import type { Row } from "./table";

const BASELINES = fileURLToPath(new URL("./web-baselines", import.meta.url));

/** The settings of a real build (a stage's `VITE_*`, no test endpoints): placeholders of the right shape. */
const STAGE_ENV = {
  VITE_API_URL: "https://5bv7x0iuga.execute-api.us-east-1.amazonaws.com",
  VITE_REGION: "us-east-1",
  VITE_USER_POOL_ID: "us-east-1_TYEz7XP7P",
  VITE_USER_POOL_CLIENT_ID: "3fetogamdv9aqa0393adsd7viv",
  VITE_IDENTITY_POOL_ID: "us-east-1:9bd0357e-2ac1-418d-a609-bc5e7bc064e3",
  VITE_BUCKET: "iam-auth-api-prod-uploadsbucket-mbsxdnhc",
};

/**
 * The guide's library, Amplify v5, installed for this comparison only (into .sst/, once) the way
 * the guide's readers install it, peers included: as a dependency of the repo it would add those
 * react-native peers to every `npm ci`.
 */
const AMPLIFY_V5 = "aws-amplify@5.3.9";
async function amplifyV5(): Promise<string> {
  const prefix = fileURLToPath(new URL(`../.sst/bench/${AMPLIFY_V5.replace("@", "-")}`, import.meta.url));
  const entry = join(prefix, "node_modules/aws-amplify");
  if (!existsSync(join(entry, "package.json"))) {
    execFileSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", AMPLIFY_V5], {
      stdio: "ignore",
    });
  }
  return entry;
}

/** Gzipped bytes of the JS and CSS index.html makes a first visit fetch: its scripts, module preloads and style sheets, not lazy chunks. */
async function firstLoadGzip(dist: string): Promise<number> {
  const html = await readFile(join(dist, "index.html"), "utf8");
  const assets = [...html.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
  if (!assets.some((asset) => asset.endsWith(".js")))
    throw new Error(`No script in ${dist}/index.html: the build changed shape, update firstLoadGzip.`);
  let bytes = 0;
  for (const asset of new Set(assets)) bytes += gzipSync(await readFile(join(dist, asset)), { level: 9 }).length;
  return bytes;
}

/**
 * First-load bytes of the page at `root`: the app with its own vite.config.ts; a baseline with the
 * same React plugin and nothing else.
 */
async function sizeOf(root: string, env: Record<string, string>, alias: Record<string, string> = {}): Promise<number> {
  const { default: react } = await import("@vitejs/plugin-react");
  const config = root === WEB_ROOT ? {} : { configFile: false as const, plugins: [react()], resolve: { alias } };
  const dist = await viteBuild(root, env, { logLevel: "silent", ...config });
  try {
    return await firstLoadGzip(dist);
  } finally {
    await rm(dist, { recursive: true, force: true });
  }
}

const KB = 1024;

export async function webRows(runs: number): Promise<Row[]> {
  const app = await sizeOf(WEB_ROOT, STAGE_ENV);
  const v6 = await sizeOf(join(BASELINES, "amplify-v6"), STAGE_ENV);
  const v5 = await sizeOf(join(BASELINES, "amplify-v5"), STAGE_ENV, { "aws-amplify-v5": await amplifyV5() });

  // The app built against the loopback doubles (CORS from infra/'s evaluation), in Chromium, as the browser tests run it.
  const web = await startWebApp(await infraCors(), { siteHeaders: await infraSiteHeaders() });
  const firstCall: number[] = [];
  const warmRequests: number[] = [];
  try {
    const { loopback } = web;
    const context = await web.newContext();
    const page = await openApp(context);
    await signUp(page, loopback, "bench@example.com");
    await signIn(page, "bench@example.com");
    const cognitoAndApi = () =>
      loopback.count("cognitoIdp") + loopback.count("cognitoIdentity") + loopback.count("api");
    for (let i = 0; i < runs; i++) {
      // A returning visitor: the session is stored, the credentials (kept in memory) are fetched again.
      const start = performance.now();
      const answered = page.waitForResponse(
        (response) => response.url().endsWith("/private") && response.request().method() === "GET",
      );
      const firstListing = page.waitForResponse(
        (response) => response.url().endsWith("/files") && response.request().method() === "GET",
      );
      await page.goto(PAGE_ORIGIN);
      if ((await answered).status() !== 200) throw new Error("GET /private failed after the page load.");
      firstCall.push(performance.now() - start);
      await page.getByText(/^Hello /).waitFor();
      if ((await firstListing).status() !== 200) throw new Error("GET /files failed after the page load.");

      // Warm: after an upload the page lists the files again (GET /files), with the credentials and preflight it has.
      const name = `warm-${i}.txt`;
      await page
        .getByLabel("File", { exact: true })
        .setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from("warm") });
      const listed = page.waitForResponse(
        (response) => response.url().endsWith("/files") && response.request().method() === "GET",
      );
      const before = cognitoAndApi();
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await listed;
      await page.getByRole("button", { name: `Download ${name}`, exact: true }).waitFor();
      warmRequests.push(cognitoAndApi() - before);
    }
    if (loopback.corsRefusals.length)
      throw new Error(`The API or bucket double refused a preflight: ${JSON.stringify(loopback.corsRefusals[0])}`);
    await context.close();
  } finally {
    await web.stop();
  }

  return [
    { section: "web", what: "first-load JS+CSS, gzip: the app", value: app / KB, unit: "KB" },
    {
      section: "web",
      what: "baseline: Amplify v6 sign-in + REST + storage + React",
      value: v6 / KB,
      unit: "KB",
      note: "bench/web-baselines/amplify-v6",
    },
    { section: "web", what: "the app ÷ Amplify v6 baseline", value: app / v6, unit: "×", target: { max: 1.15 } },
    {
      section: "web",
      what: "the guide's Amplify v5 app",
      value: v5 / KB,
      unit: "KB",
      note: "bench/web-baselines/amplify-v5",
    },
    { section: "web", what: "the app ÷ the guide's Amplify v5 app", value: app / v5, unit: "×", target: { max: 1 } },
    {
      section: "web",
      what: "page load → GET /private answered",
      value: median(firstCall),
      unit: "ms",
      note: "Chromium, stored session, loopback",
    },
    {
      section: "web",
      what: "warm signed call (GET /files): requests",
      value: median(warmRequests),
      unit: "req",
      target: { max: 1 },
      note: "Cognito + API requests",
    },
  ];
}
