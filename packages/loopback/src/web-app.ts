import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { createRequire } from "node:module";
import { clientSettings, viteVariables } from "@iam-auth-api/client/settings";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import type { InlineConfig } from "vite";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium";
import type { LoopbackCors } from "./cors";
import { startLoopback, type Loopback } from "./loopback";

/** packages/web, the app under test: its index.html and vite.config.ts. */
export const WEB_ROOT = dirname(createRequire(import.meta.url).resolve("@iam-auth-api/web/package.json"));
/**
 * The page's origin: the Vite dev server's (packages/web/vite.config.ts), which a developer's browser
 * has and the API's and bucket's CORS must admit on a dev stage. Chromium maps it to a static server
 * on a free loopback port, so test files run side by side; the doubles, each on its own port, are
 * other origins. (Playwright's request interception would also answer CORS preflights itself.)
 */
export const PAGE_ORIGIN = "http://localhost:5173";

export interface WebApp {
  loopback: Loopback;
  browser: Browser;
  /** A fresh browser profile (no storage, no cache); the built app is at PAGE_ORIGIN. */
  newContext(): Promise<BrowserContext>;
  /** The build's directory: index.html and assets/. */
  dist: string;
  stop(): Promise<void>;
}

/** The build-time variables of a build against `loopback`: the stage's settings plus the test endpoints. */
function viteEnv(loopback: Loopback): Record<string, string> {
  return {
    ...viteVariables(clientSettings(loopback.outputs)),
    VITE_TEST_ENDPOINT_COGNITO_IDP: loopback.endpoints.cognitoIdp,
    VITE_TEST_ENDPOINT_COGNITO_IDENTITY: loopback.endpoints.cognitoIdentity,
    VITE_TEST_ENDPOINT_S3: loopback.endpoints.s3,
  };
}

/**
 * `vite build` of the page at `root` (packages/web with its own vite.config.ts unless `config` says
 * otherwise) into a temp directory, which it returns. Vite reads VITE_* from the environment ahead
 * of any .env file: `env` is set for this build only.
 */
export async function viteBuild(root: string, env: Record<string, string>, config: InlineConfig = {}): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), "iam-api-web-"));
  const { build } = await import("vite");
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await build({ root, logLevel: "error", ...config, build: { outDir, emptyOutDir: true } });
  } finally {
    for (const name of Object.keys(env)) if (saved[name] === undefined) delete process.env[name];
    Object.assign(process.env, saved);
  }
  return outDir;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/**
 * A static server for `dist` on a free loopback port (a single-page app: unknown paths get index.html),
 * every response carrying `siteHeaders`, as the site's CloudFront distribution adds them.
 */
async function serveApp(
  dist: string,
  siteHeaders: Record<string, string>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", PAGE_ORIGIN).pathname));
    const file = path === "/" || !extname(path) ? join(dist, "index.html") : join(dist, path);
    const content = await readFile(file).catch(() => undefined);
    response.writeHead(content ? 200 : 404, {
      ...siteHeaders,
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    response.end(content);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Chromium that reaches PAGE_ORIGIN at `port` on loopback. */
function launchChromium(port: number): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${new URL(PAGE_ORIGIN).host} 127.0.0.1:${port}`],
  });
}

/**
 * The doubles answering browsers with `cors` (infra/'s evaluated configuration, for the tests and the
 * bench), the app built against them and served with `siteHeaders` (the site's security headers, also
 * read from infra/'s evaluation: Chromium then enforces the CSP a deployed page gets), and Chromium.
 * `build` makes a directory of the app for these settings, removed at `stop()`: a Vite build by default.
 */
export async function startWebApp(
  cors: LoopbackCors,
  {
    siteHeaders = {},
    build = (env) => viteBuild(WEB_ROOT, env),
  }: { siteHeaders?: Record<string, string>; build?: (env: Record<string, string>) => Promise<string> } = {},
): Promise<WebApp> {
  const loopback = await startLoopback({ cors });
  try {
    const dist = await build(viteEnv(loopback));
    const server = await serveApp(dist, siteHeaders);
    const browser = await launchChromium(server.port);
    return {
      loopback,
      browser,
      dist,
      newContext: async () => {
        const context = await browser.newContext();
        // Everything on loopback answers in milliseconds: fail fast, with the page's alert (see ui.ts).
        context.setDefaultTimeout(10_000);
        return context;
      },
      stop: async () => {
        await browser.close();
        await server.close();
        await loopback.stop();
        await rm(dist, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await loopback.stop();
    throw error;
  }
}
