import { createHash } from "node:crypto";
import { access, cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { startWebApp, viteBuild, WEB_ROOT, type WebApp } from "@iam-auth-api/loopback/web-app";
import { afterAll, beforeAll } from "vitest";
import { infraCors } from "@iam-auth-api/infra-harness/cors";
import { infraSiteHeaders } from "@iam-auth-api/infra-harness/site-headers";

/**
 * One app, loopback and Chromium per test file, the doubles answering CORS and the page served with
 * the security headers as infra/ configures them; each test takes a new context from it.
 */
export function webAppForThisFile(): () => WebApp {
  let app: WebApp | undefined;
  beforeAll(async () => {
    app = await startWebApp(await infraCors(), { siteHeaders: await infraSiteHeaders(), build: builtForThisFile });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });
  return () => app!;
}

/** A setting whose value is an address (an origin): the page's CSP names its origin, so its stand-in must be one too. */
const isAddress = (name: string) => name === "VITE_API_URL" || name.startsWith("VITE_TEST_ENDPOINT_");
/** What every stand-in contains, so a copy can be checked for one left unreplaced. */
const PLACEHOLDER_MARK = /iam[-_]api[-_]placeholder/;
/**
 * Stands for a build-time setting in the shared build: unique, and left whole by the minifier. An
 * address stands in as an origin (lower case, as URL parsing leaves it), so the build's CSP
 * (client/src/site-security.ts) names it as it names the real address, and one replacement fixes both.
 */
const placeholder = (name: string) =>
  isAddress(name)
    ? `http://iam-api-placeholder-${name.toLowerCase().replaceAll("_", "-")}.test`
    : `__iam_api_placeholder_${name}__`;

/**
 * The app for this file's doubles: the shared build (below) copied with each placeholder replaced by
 * this file's value. Vite inlines `import.meta.env.VITE_*` as string literals, so the copy is what a
 * build with these values would be, without a Vite build per file.
 */
async function builtForThisFile(env: Record<string, string>): Promise<string> {
  for (const [name, value] of Object.entries(env)) {
    if (isAddress(name) && new URL(value).origin !== value)
      throw new Error(`${name}=${value} is not an origin: the shared build's CSP names its stand-in as one`);
  }
  const shared = await sharedBuild(Object.keys(env));
  const copy = await mkdtemp(join(tmpdir(), "iam-api-web-"));
  await cp(shared, copy, { recursive: true });
  const entries = await readdir(copy, { recursive: true, withFileTypes: true });
  for (const file of entries.filter(
    (entry) => entry.isFile() && [".html", ".js", ".css"].includes(extname(entry.name)),
  )) {
    const path = join(file.parentPath, file.name);
    let text = await readFile(path, "utf8");
    for (const [name, value] of Object.entries(env)) text = text.replaceAll(placeholder(name), value);
    if (PLACEHOLDER_MARK.test(text)) throw new Error(`${path} keeps a placeholder no setting replaced`);
    await writeFile(path, text);
  }
  return copy;
}

/**
 * `vite build` of packages/web with placeholders for `names`, once for every test file and run: named
 * by a hash of the sources it is built from (the web app, the shared client package, the lock file),
 * and moved into place whole, so parallel files never see half of one.
 */
async function sharedBuild(names: string[]): Promise<string> {
  const resolve = createRequire(import.meta.url).resolve;
  const hash = createHash("sha256").update(JSON.stringify(names));
  const sources = [join(WEB_ROOT, "src"), join(WEB_ROOT, "public"), dirname(resolve("@iam-auth-api/client/settings"))];
  const files = [join(WEB_ROOT, "index.html"), join(WEB_ROOT, "vite.config.ts"), join(WEB_ROOT, "package.json")];
  for (const folder of sources) {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
    files.push(...entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)));
  }
  files.push(join(WEB_ROOT, "../../package-lock.json"));
  for (const file of files.sort()) hash.update(file).update(await readFile(file));
  const target = join(tmpdir(), `iam-api-web-build-${hash.digest("hex").slice(0, 16)}`);
  try {
    await access(join(target, "index.html"));
  } catch {
    const built = await viteBuild(WEB_ROOT, Object.fromEntries(names.map((name) => [name, placeholder(name)])));
    await rename(built, target).catch(() => rm(built, { recursive: true, force: true }));
  }
  return target;
}
