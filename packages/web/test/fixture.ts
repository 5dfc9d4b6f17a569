import { startWebApp, type WebApp } from "@iam-auth-api/loopback/web-app";
import { afterAll, beforeAll } from "vitest";
import { infraCors } from "@iam-auth-api/infra-harness/cors";

/** One app, loopback and Chromium per test file, the doubles answering CORS as infra/ configures it; each test takes a new context from it. */
export function useWebApp(): () => WebApp {
  let app: WebApp | undefined;
  beforeAll(async () => {
    app = await startWebApp(await infraCors());
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });
  return () => app!;
}
