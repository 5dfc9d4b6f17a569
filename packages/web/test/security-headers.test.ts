// The page in Chromium with the security headers infra/ configures for the site (fixture.ts serves
// them in every scenario) and the Content-Security-Policy its build carries.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { infraSiteHeaders } from "@iam-auth-api/infra-harness/site-headers";
import { PAGE_ORIGIN } from "@iam-auth-api/loopback/web-app";
import { alertText, button, confirmedUser, download, openApp, signIn, upload } from "@iam-auth-api/loopback/web-ui";
import { webAppForThisFile } from "./fixture";

const app = webAppForThisFile();
const directives = (policy: string) =>
  Object.fromEntries(
    policy
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources.sort()]),
  );

test("the page comes with infra/'s headers, and a CSP that lets it connect to exactly its four services", async () => {
  const { loopback } = app();
  const page = await (await app().newContext()).newPage();
  const response = await page.goto(PAGE_ORIGIN);
  const configured = await infraSiteHeaders();
  expect(Object.keys(configured).sort(), "the site's security headers").toEqual([
    "content-security-policy",
    "referrer-policy",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
  ]);
  for (const [name, value] of Object.entries(configured)) expect(response!.headers()[name], name).toBe(value);

  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  const origin = (url: string) => new URL(url).origin;
  expect(directives(meta!), "the page's own CSP").toEqual({
    "default-src": ["'self'"],
    "connect-src": [
      origin(loopback.endpoints.cognitoIdp),
      origin(loopback.endpoints.cognitoIdentity),
      origin(loopback.outputs.Api),
      origin(loopback.endpoints.s3),
    ].sort(),
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
  });
});

test("another site cannot frame the page", async () => {
  const page = await (await app().newContext()).newPage();
  const refusals: string[] = [];
  page.on("console", (message) => refusals.push(message.text()));
  // setContent returns on the page's load event, which waits for its frame to load: the app, or the
  // error page Chromium puts in its place when the response's headers forbid framing.
  await page.setContent(`<iframe src="${PAGE_ORIGIN}/" width="800" height="600"></iframe>`);
  const [frame] = page.mainFrame().childFrames();
  expect(frame!.url(), "what the frame shows").toBe("chrome-error://chromewebdata/");
  // Why, in Chromium's words: the CSP's frame-ancestors or X-Frame-Options, either naming the page.
  expect(
    refusals.find((text) => text.includes(`'${PAGE_ORIGIN}/'`)),
    "Chromium's reason",
  ).toMatch(/^(Framing|Refused to display) /);
  const framed = page.frameLocator("iframe");
  expect(await framed.getByRole("button", { name: "Sign in", exact: true }).count(), "sign-in form in a frame").toBe(0);
});

test("a CSP that blocks the app's own calls stops them: the policy is enforced", async () => {
  const { loopback } = app();
  await confirmedUser(loopback, "blocked@example.com");
  const context = await app().newContext();
  // The page with infra/'s headers plus one more policy, allowing connections to its own origin only.
  const headers = await infraSiteHeaders();
  const html = await readFile(join(app().dist, "index.html"));
  await context.route(`${PAGE_ORIGIN}/`, (route) =>
    route.fulfill({
      contentType: "text/html",
      headers: { ...headers, "content-security-policy": `${headers["content-security-policy"]}, connect-src 'self'` },
      body: html,
    }),
  );
  const page = await openApp(context);
  const violations: string[] = [];
  await page.exposeFunction("recordViolation", (directive: string) => violations.push(directive));
  await page.evaluate(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      (window as any).recordViolation(event.effectiveDirective),
    ),
  );
  await expect(signIn(page, "blocked@example.com"), "signing in").rejects.toThrow("The page says");
  expect(await alertText(page), "the alert").toMatch(/\S/);
  expect(violations, "CSP violations").toContain("connect-src");
});

test("a download is saved as application/octet-stream bytes, never rendered as what it claims to be", async () => {
  const { loopback } = app();
  await confirmedUser(loopback, "html@example.com");
  const context = await app().newContext();
  await context.addInitScript(() => {
    const blobTypes: string[] = [];
    const createObjectURL = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (object: Blob | MediaSource) => {
      blobTypes.push((object as Blob).type);
      return createObjectURL(object);
    };
    (window as any).blobTypes = blobTypes;
  });
  const page = await openApp(context);
  await signIn(page, "html@example.com");
  const html = "<!doctype html><script>document.title = 'rendered'</script>";
  await upload(page, "page.html", html);
  expect((await download(page, "page.html")).toString(), "the bytes saved").toBe(html);
  expect(await page.evaluate(() => (window as any).blobTypes), "the saved blob's type").toEqual([
    "application/octet-stream",
  ]);
  await button(page, "Delete page.html").click();
});
