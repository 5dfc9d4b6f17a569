import { createHash, randomBytes } from "node:crypto";
import { ownFilesPrefix } from "@iam-auth-api/core/files";
import { AwsClient } from "aws4fetch";
import { afterEach, describe, expect, test } from "vitest";
import { webAppForThisFile } from "./fixture";
import { noSuchFile } from "@iam-auth-api/client/messages";
import {
  alertText,
  button,
  captureSecrets,
  confirmedUser,
  download,
  identityShown,
  openApp,
  signIn,
  signUp,
  storedInBrowser,
  upload,
} from "@iam-auth-api/loopback/web-ui";

const app = webAppForThisFile();
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
afterEach(() => {
  // Every preflight the page sent was admitted by infra/'s CORS, judged as a strict browser would.
  expect(app().loopback.corsRefusals).toEqual([]);
});

describe("the whole flow in Chromium", () => {
  test("sign up, confirm, sign in, identity and signed call shown, upload, list, download, delete, sign out", {
    timeout: 60_000,
  }, async () => {
    const { loopback } = app();
    const context = await app().newContext();
    const page = await openApp(context);
    const secrets = captureSecrets(page, loopback);
    await signUp(page, loopback, "flow@example.com");
    const identityId = await signIn(page, "flow@example.com");
    await page.getByText(`Hello ${identityId}!`).waitFor();

    const content = randomBytes(3000);
    // What the bucket gained: the other scenarios' files may be there already, whatever the order.
    const storedBefore = new Set((await loopback.storedObjects()).keys());
    const added = async () => [...(await loopback.storedObjects()).keys()].filter((key) => !storedBefore.has(key));
    await upload(page, "notes.bin", content);
    expect(await added()).toEqual([`${ownFilesPrefix(identityId)}notes.bin`]);
    expect(await download(page, "notes.bin")).toEqual(content);
    await button(page, "Delete notes.bin").click();
    await button(page, "Download notes.bin").waitFor({ state: "detached" });
    expect(await added()).toEqual([]);

    // Signed in, the session is in the browser's storage: the check below can see secrets.
    expect(await storedInBrowser(page)).toContain(secrets.tokens.at(-1));
    const revocations = () => loopback.requests.filter((request) => request.operation === "RevokeToken").length;
    const revokedBefore = revocations();
    await button(page, "Sign out").click();
    await button(page, "Sign in").waitFor();
    expect(revocations() - revokedBefore).toBe(1);

    const stored = await storedInBrowser(page);
    const leftBehind = [
      ...secrets.tokens,
      ...secrets.credentials.flatMap((c) => [c.secretAccessKey, c.sessionToken, c.accessKeyId]),
    ].filter((secret) => stored.includes(secret));
    expect(secrets.tokens.length).toBeGreaterThanOrEqual(3);
    expect(secrets.credentials.length).toBeGreaterThanOrEqual(1);
    expect(
      leftBehind,
      "tokens or credentials still in localStorage, sessionStorage or IndexedDB after sign out",
    ).toEqual([]);
    await context.close();
  });

  test("a reload keeps the session: no new sign-in", { timeout: 30_000 }, async () => {
    const { loopback } = app();
    const context = await app().newContext();
    const page = await openApp(context);
    await confirmedUser(loopback, "reload@example.com");
    const identityId = await signIn(page, "reload@example.com");
    const signIns = () => loopback.requests.filter((request) => request.operation === "InitiateAuth").length;
    const before = signIns();
    await page.reload();
    expect(await identityShown(page)).toBe(identityId);
    await page.getByText(`Hello ${identityId}!`).waitFor();
    expect(signIns()).toBe(before);
    await context.close();
  });

  test("a second user neither sees nor can fetch the first user's file", { timeout: 40_000 }, async () => {
    const { loopback } = app();
    const first = await app().newContext();
    const firstPage = await openApp(first);
    await confirmedUser(loopback, "first@example.com");
    const firstId = await signIn(firstPage, "first@example.com");
    await upload(firstPage, "diary.txt", "dear diary");

    const second = await app().newContext();
    const secondPage = await openApp(second);
    const secrets = captureSecrets(secondPage, loopback);
    await confirmedUser(loopback, "second@example.com");
    const secondId = await signIn(secondPage, "second@example.com");
    expect(secondId).not.toBe(firstId);
    await secondPage.getByText(/No files yet/).waitFor();
    expect(await secondPage.getByText("diary.txt").count()).toBe(0);

    // The second user's own credentials, as the page received them, asking for the first user's file.
    const { accessKeyId, secretAccessKey, sessionToken } = secrets.credentials.at(-1)!;
    const s3 = new AwsClient({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      service: "s3",
      region: loopback.outputs.Region,
      retries: 0,
    });
    const key = `${ownFilesPrefix(firstId)}diary.txt`;
    // Each segment encoded as SigV4 canonicalises it: a 403 must be the policy's, not a bad signature's.
    const path = key.split("/").map(encodeURIComponent).join("/");
    const theirs = await s3.fetch(`${loopback.endpoints.s3}/${loopback.outputs.Bucket}/${path}`);
    expect(theirs.status).toBe(403);
    expect(await theirs.text()).toContain("<Message>Access Denied</Message>");
    const listing = await s3.fetch(
      `${loopback.endpoints.s3}/${loopback.outputs.Bucket}?list-type=2&prefix=${encodeURIComponent(ownFilesPrefix(firstId))}`,
    );
    expect(listing.status).toBe(403);
    await first.close();
    await second.close();
  });

  test("a file gone since the list was shown: Download says so, after one prefix-conditioned listing", {
    timeout: 40_000,
  }, async () => {
    const { loopback } = app();
    const context = await app().newContext();
    const page = await openApp(context);
    const secrets = captureSecrets(page, loopback);
    await confirmedUser(loopback, "gone@example.com");
    const identityId = await signIn(page, "gone@example.com");
    await upload(page, "gone.txt", "soon gone");
    // Deleted elsewhere (another tab, the CLI) with the same user's credentials: the list still shows it.
    const { accessKeyId, secretAccessKey, sessionToken } = secrets.credentials.at(-1)!;
    const s3 = new AwsClient({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      service: "s3",
      region: loopback.outputs.Region,
    });
    const key = `${ownFilesPrefix(identityId)}gone.txt`;
    const path = key.split("/").map(encodeURIComponent).join("/");
    const deleted = await s3.fetch(`${loopback.endpoints.s3}/${loopback.outputs.Bucket}/${path}`, { method: "DELETE" });
    expect(deleted.status, await deleted.text()).toBe(204);

    const before = loopback.requests.length;
    await button(page, "Download gone.txt").click();
    expect(await alertText(page)).toBe(noSuchFile("gone.txt", "the list shows the files you have"));
    const asked = loopback.requests.slice(before).map((request) => `${request.service} ${request.operation}`);
    expect(asked.filter((request) => request.startsWith("s3 GET") && request.includes("list-type=2"))).toEqual([
      `s3 GET /${loopback.outputs.Bucket}?list-type=2&max-keys=1&prefix=${encodeURIComponent(key)}`,
    ]);
    expect(
      asked.filter((request) => request.includes("/files")),
      "no paging through the API's listing",
    ).toEqual([]);
    await context.close();
  });

  test("a large file goes up in parts (multipart) and comes back whole", { timeout: 60_000 }, async () => {
    const { loopback } = app();
    const context = await app().newContext();
    const page = await openApp(context);
    await confirmedUser(loopback, "large@example.com");
    await signIn(page, "large@example.com");
    const content = randomBytes(9 * 1024 * 1024);
    const before = loopback.requests.length;
    await upload(page, "large.bin", content);
    const s3Calls = loopback.requests
      .slice(before)
      .filter((request) => request.service === "s3")
      .map((request) => request.operation.replace(/=[^&]+/g, ""));
    expect(s3Calls.filter((call) => call.startsWith("POST")).length, "create and complete").toBe(2);
    expect(s3Calls.filter((call) => /^PUT .*partNumber/.test(call)).length, "parts").toBe(2);
    // Compared by digest: a deep equality over 9 MiB, byte by byte, takes the test runner most of a minute.
    expect(sha256(await download(page, "large.bin"))).toBe(sha256(content));
    await context.close();
  });
});
