import {
  apiForbidden,
  sessionExpired,
  userNotConfirmed,
  weakPassword,
  wrongPassword,
} from "@iam-auth-api/client/messages";
import { afterEach, describe, expect, test } from "vitest";
import { RENEW_MARGIN_MS } from "@iam-auth-api/client/renewal";
import { SIGN_IN_AGAIN } from "../src/problem";
import { webAppForThisFile } from "./fixture";
import {
  alertText,
  button,
  confirmedUser,
  field,
  fillCredentials,
  openApp,
  orAlert,
  PASSWORD,
  signIn,
  upload,
} from "@iam-auth-api/loopback/web-ui";

const app = webAppForThisFile();
afterEach(() => {
  expect(app().loopback.corsRefusals).toEqual([]);
  app().loopback.credentialLifetimeMs = 60 * 60 * 1000;
  app().loopback.tokenLifetimeMs = undefined;
});

/** `text` is the shared message `wording` gives, whatever words the page passes for its remedy. */
function expectWording(text: string, wording: (remedy: string) => string): void {
  const [head, tail] = wording("\u0000").split("\u0000");
  expect(text.startsWith(head) && text.endsWith(tail), `"${text}" is not "${head}…${tail}"`).toBe(true);
  expect(text, "one sentence").toMatch(/^[^\n]+[.]$/);
}

const count = (operation: string) =>
  app().loopback.requests.filter((request) => request.operation === operation).length;

describe("account", () => {
  test("forgot password: a code by email and a new password, then sign in with it (not the old one)", {
    timeout: 40_000,
  }, async () => {
    const { loopback } = app();
    const page = await openApp(await app().newContext());
    await confirmedUser(loopback, "forgot@example.com");
    await field(page, "Email").fill("forgot@example.com");
    await button(page, "Forgot password?").click();
    await orAlert(page, field(page, "New password"));
    await field(page, "Confirmation code").fill(await loopback.confirmationCode("forgot@example.com"));
    await field(page, "New password").fill("N3w-passw0rd");
    await button(page, "Reset password").click();
    await orAlert(page, field(page, "Password"));

    await fillCredentials(page, "forgot@example.com", PASSWORD);
    await button(page, "Sign in").click();
    expectWording(await alertText(page), (remedy) => wrongPassword("forgot@example.com", remedy));
    expect(await signIn(page, "forgot@example.com", "N3w-passw0rd")).toMatch(/^us-east-1:/);
    await page.context().close();
  });

  test("resend code: the new code confirms, the first one no longer does", { timeout: 30_000 }, async () => {
    const { loopback } = app();
    const page = await openApp(await app().newContext());
    await fillCredentials(page, "resend@example.com", PASSWORD);
    await button(page, "Sign up").click();
    await orAlert(page, button(page, "Resend code"));
    const first = await loopback.confirmationCode("resend@example.com");
    await button(page, "Resend code").click();
    await page.getByText(/new code/).waitFor();
    const second = await loopback.confirmationCode("resend@example.com");
    expect(count("ResendConfirmationCode")).toBe(1);
    expect(second).not.toBe(first);
    // The first code no longer works: only the one just sent does.
    await field(page, "Confirmation code").fill(first);
    await button(page, "Confirm").click();
    expect(await alertText(page)).toMatch(/not the one sent/);
    await field(page, "Confirmation code").fill(second);
    await button(page, "Confirm").click();
    await orAlert(page, field(page, "Password"));
    expect(await signIn(page, "resend@example.com")).toMatch(/^us-east-1:/);
    await page.context().close();
  });
});

describe("each failure is one sentence in role=alert that says what to do", () => {
  test("wrong password", { timeout: 30_000 }, async () => {
    const page = await openApp(await app().newContext());
    await confirmedUser(app().loopback, "wrong@example.com");
    await fillCredentials(page, "wrong@example.com", "Not-the-passw0rd");
    await button(page, "Sign in").click();
    expectWording(await alertText(page), (remedy) => wrongPassword("wrong@example.com", remedy));
    await page.context().close();
  });

  test("unconfirmed user", { timeout: 30_000 }, async () => {
    const page = await openApp(await app().newContext());
    await fillCredentials(page, "unconfirmed@example.com", PASSWORD);
    await button(page, "Sign up").click();
    await orAlert(page, button(page, "Back"));
    await button(page, "Back").click();
    await fillCredentials(page, "unconfirmed@example.com", PASSWORD);
    await button(page, "Sign in").click();
    expectWording(await alertText(page), (remedy) => userNotConfirmed("unconfirmed@example.com", remedy));
    await page.context().close();
  });

  test("weak password, in the user pool's words", { timeout: 30_000 }, async () => {
    const page = await openApp(await app().newContext());
    await fillCredentials(page, "weak@example.com", "password");
    await button(page, "Sign up").click();
    const text = await alertText(page);
    expectWording(text, (remedy) =>
      weakPassword("Password did not conform with policy: Password must have uppercase characters", remedy),
    );
    await page.context().close();
  });

  test("expired session: sign in again", { timeout: 30_000 }, async () => {
    const { loopback } = app();
    const context = await app().newContext();
    // The page's clock, so that the tokens' lifetime passes without waiting for it.
    await context.clock.install();
    const page = await openApp(context);
    await confirmedUser(loopback, "expired@example.com");
    loopback.tokenLifetimeMs = 10 * 60 * 1000;
    await signIn(page, "expired@example.com");
    // The refresh token revoked (as an admin's global sign-out), then the tokens expire.
    await loopback.revokeSessions("expired@example.com");
    await page.clock.fastForward("11:00");
    await page.reload();
    expectWording(await alertText(page), sessionExpired);
    await button(page, "Sign in").waitFor();
    await context.close();
  });

  test("403 from the API", { timeout: 30_000 }, async () => {
    const { loopback } = app();
    const page = await openApp(await app().newContext());
    await confirmedUser(loopback, "denied@example.com");
    loopback.denyApi(await signIn(page, "denied@example.com"));
    await page.reload();
    const text = await alertText(page);
    // The page calls GET /private and GET /files at once: either refusal may be the one shown.
    const [, request, apiSaid] = /^The API refused (GET \/\w+) \(403: (.+?)\): /.exec(text) ?? [];
    expect(["GET /private", "GET /files"], text).toContain(request);
    expect(apiSaid, "the API's own message").toMatch(/not authorized to perform: execute-api:Invoke/);
    expectWording(text, (remedy) => apiForbidden(request, apiSaid, remedy));
    await page.context().close();
  });
});

describe("credentials", () => {
  test("renewed after they expire: the next signed call succeeds, with new credentials", {
    timeout: 30_000,
  }, async () => {
    const { loopback } = app();
    const context = await app().newContext();
    await context.clock.install();
    const page = await openApp(context);
    await confirmedUser(loopback, "renew@example.com");
    // Short-lived, but longer than the margin the clients renew within, as real ones are.
    loopback.credentialLifetimeMs = RENEW_MARGIN_MS + 60_000;
    await signIn(page, "renew@example.com");
    await page.getByText(/^Hello /).waitFor();
    const issued = count("GetCredentialsForIdentity");
    // Their lifetime passes, for the page's clock and the identity pool double alike (which refuses them from now on).
    await page.clock.fastForward(RENEW_MARGIN_MS + 61_000);
    loopback.expireCredentials();
    await upload(page, "after-expiry.txt", "still me");
    expect(count("GetCredentialsForIdentity")).toBeGreaterThan(issued);
    await context.close();
  });
});

test("the wording the page shows comes from the shared messages (sanity of the helper)", () => {
  expect(() => expectWording("Something else.", sessionExpired)).toThrow();
  expectWording(sessionExpired(SIGN_IN_AGAIN), sessionExpired);
});
