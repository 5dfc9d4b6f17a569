import { startWebApp, type WebApp } from "@iam-auth-api/loopback/web-app";
import { afterAll, beforeAll } from "vitest";
import { infraCors } from "@iam-auth-api/infra-harness/cors";
import { infraSiteHeaders } from "@iam-auth-api/infra-harness/site-headers";

/**
 * One app, loopback and Chromium per test file, the doubles answering CORS and the page served with
 * the security headers as infra/ configures them; each test takes a new context from it.
 */
export function useWebApp(): () => WebApp {
  let app: WebApp | undefined;
  beforeAll(async () => {
    app = await startWebApp(await infraCors(), await infraSiteHeaders());
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });
  return () => app!;
}
