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
 * has and the API's and bucket's CORS must admit on a dev stage. Each browser context reaches it
 * through a static server on a free loopback port, its HTTP proxy (`pageProxy`), so test files run
 * side by side in one Chromium; the doubles, each on its own port, are other origins, reached
 * directly. (Playwright's request interception would also answer CORS preflights itself.)
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
 * every response carrying `siteHeaders`, as the site's CloudFront distribution adds them. It answers
 * PAGE_ORIGIN only (as the contexts' proxy, see `pageProxy`): a request for any other host is refused.
 */
async function serveApp(
  dist: string,
  siteHeaders: Record<string, string>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    if (request.headers.host !== new URL(PAGE_ORIGIN).host) {
      response.writeHead(421).end(`This server answers ${PAGE_ORIGIN} only, not ${request.headers.host}.`);
      return;
    }
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

/**
 * A context's proxy settings that send PAGE_ORIGIN's requests to the static server on `port` (which
 * answers a proxy's absolute-form request as a direct one) and everything on 127.0.0.1 (the doubles)
 * straight there: `<-loopback>` lifts Chromium's rule that never proxies localhost.
 */
function pageProxy(port: number): { server: string; bypass: string } {
  return { server: `http://127.0.0.1:${port}`, bypass: "<-loopback>,127.0.0.1" };
}

/**
 * The doubles answering browsers with `cors` (infra/'s evaluated configuration, for the tests and the
 * bench), the app built against them and served with `siteHeaders` (the site's security headers, also
 * read from infra/'s evaluation: Chromium then enforces the CSP a deployed page gets), and Chromium.
 * `build` makes a directory of the app for these settings, removed at `stop()`: a Vite build by default.
 * `browser` gives the Chromium (the tests' connection to the one their run shares), closed at `stop()`:
 * one launched for this app by default.
 */
export async function startWebApp(
  cors: LoopbackCors,
  {
    siteHeaders = {},
    build = (env) => viteBuild(WEB_ROOT, env),
    browser: connect = () => chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS }),
  }: {
    siteHeaders?: Record<string, string>;
    build?: (env: Record<string, string>) => Promise<string>;
    browser?: () => Promise<Browser>;
  } = {},
): Promise<WebApp> {
  const loopback = await startLoopback({ cors });
  try {
    const dist = await build(viteEnv(loopback));
    const server = await serveApp(dist, siteHeaders);
    const browser = await connect();
    return {
      loopback,
      browser,
      dist,
      newContext: async () => {
        const context = await browser.newContext({ proxy: pageProxy(server.port) });
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
