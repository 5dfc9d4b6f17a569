// The web client as `npm start` serves it: Vite on http://localhost:5173, pointed at the local stack
// with no .env.local, in Chromium.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_SERVER_ORIGIN } from "@iam-auth-api/client/dev-server";
import { CHROMIUM_ARGS, chromiumPath } from "@iam-auth-api/loopback/chromium";
import type { Loopback } from "@iam-auth-api/loopback/loopback";
import { download, signIn, signUp, upload } from "@iam-auth-api/loopback/web-ui";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePortBase, type LocalStack, STARTUP_MS, startLocal } from "@iam-auth-api/loopback/npm-start";

let stack: LocalStack;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "iam-api-local-web-"));
  stack = await startLocal(["--port", String(await freePortBase()), "--data-dir", dataDir], { web: true });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}, STARTUP_MS);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test("sign up with the printed code, sign in, the signed call, upload and download", {
  timeout: 2 * STARTUP_MS,
}, async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await page.goto(DEV_SERVER_ORIGIN);
  // The code as a script would get it: the terminal's line, or GET /codes/<email>.
  const codes = {
    confirmationCode: async (email: string) =>
      /code: (\d{6})\n/.exec(stack.stdout().split(`Emailed ${email} a sign-up`)[1] ?? "")![1],
  };
  await signUp(page, codes as unknown as Loopback, "web@example.com");
  const identityId = await signIn(page, "web@example.com");
  await page.getByText(`Hello ${identityId}!`).waitFor();
  await upload(page, "page.txt", "from the browser\n");
  expect((await download(page, "page.txt")).toString()).toBe("from the browser\n");
  await context.close();
});
