import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import type { Loopback } from "./loopback";
import { PAGE_ORIGIN } from "./web-app";

// How a person (or a screen reader) finds things on the page: the accessible names issue 9 fixes.

export const PASSWORD = "Passw0rd!";

export async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(PAGE_ORIGIN);
  return page;
}

export const button = (page: Page, name: string) => page.getByRole("button", { name, exact: true });
export const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** The one-sentence alert the page shows, once it shows one. */
export async function alertText(page: Page): Promise<string> {
  const alert = page.getByRole("alert");
  await alert.waitFor();
  return (await alert.textContent())!.trim();
}

export async function fillCredentials(page: Page, email: string, password: string): Promise<void> {
  await field(page, "Email").fill(email);
  await field(page, "Password").fill(password);
}

/** Sign up and confirm with the emailed code; ends on the sign-in form. */
export async function signUp(page: Page, loopback: Loopback, email: string, password = PASSWORD): Promise<void> {
  await fillCredentials(page, email, password);
  await button(page, "Sign up").click();
  await orAlert(page, field(page, "Confirmation code"));
  await field(page, "Confirmation code").fill(await loopback.confirmationCode(email));
  await button(page, "Confirm").click();
  await orAlert(page, field(page, "Password"));
}

/**
 * A confirmed user, made through the user pool double's own API rather than the page: for the
 * scenarios about something else than signing up (the whole-flow test signs up through the page).
 */
export async function confirmedUser(loopback: Loopback, email: string, password = PASSWORD): Promise<void> {
  const call = async (operation: string, body: Record<string, unknown>) => {
    const response = await fetch(loopback.endpoints.cognitoIdp, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify({ ClientId: loopback.outputs.UserPoolClient, Username: email, ...body }),
    });
    if (!response.ok) throw new Error(`${operation} for ${email}: ${await response.text()}`);
  };
  await call("SignUp", { Password: password, UserAttributes: [{ Name: "email", Value: email }] });
  await call("ConfirmSignUp", { ConfirmationCode: await loopback.confirmationCode(email) });
}

/** Waits for `expected`; fails with the page's alert instead if one appears first. */
export async function orAlert(page: Page, expected: Locator): Promise<void> {
  const alert = page.getByRole("alert");
  await expected.or(alert).first().waitFor();
  if (await alert.isVisible()) throw new Error(`The page says: ${await alert.textContent()}`);
}

/** Signs in and waits for the signed-in view; returns the identity id it shows. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<string> {
  await fillCredentials(page, email, password);
  await button(page, "Sign in").click();
  await orAlert(page, page.getByText(/^us-east-1:[0-9a-f-]{36}$/));
  return identityShown(page);
}

export async function identityShown(page: Page): Promise<string> {
  const identity = page.getByText(/^us-east-1:[0-9a-f-]{36}$/);
  await identity.waitFor();
  return (await identity.textContent())!;
}

/** Chooses a file on disk holding `content` and uploads it (a path, not a buffer: Chromium reads it itself, where Playwright would copy megabytes over its protocol). */
export async function upload(page: Page, name: string, content: Buffer | string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "iam-api-upload-"));
  try {
    await writeFile(join(dir, name), content);
    await field(page, "File").setInputFiles(join(dir, name));
    await button(page, "Upload").click();
    await orAlert(page, button(page, `Download ${name}`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Clicks Download <name> and returns the bytes the browser saved. */
export async function download(page: Page, name: string): Promise<Buffer> {
  const [saved] = await Promise.all([page.waitForEvent("download"), button(page, `Download ${name}`).click()]);
  const chunks: Buffer[] = [];
  for await (const chunk of (await saved.createReadStream())!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every value the page's origin keeps in localStorage, sessionStorage and IndexedDB, as one string. */
export async function storedInBrowser(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const values: unknown[] = [{ ...localStorage }, { ...sessionStorage }];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) =>
        Object.assign(indexedDB.open(name!), {
          onsuccess: (e: Event) => resolve((e.target as IDBOpenDBRequest).result),
          onerror: reject,
        }),
      );
      for (const store of Array.from(db.objectStoreNames)) {
        const all = db.transaction(store).objectStore(store).getAll();
        values.push(await new Promise((resolve) => (all.onsuccess = () => resolve(all.result))));
      }
      db.close();
    }
    return JSON.stringify(values);
  });
}

/** The tokens and AWS credentials Cognito hands this page, read off the wire as they arrive. */
export function captureSecrets(
  page: Page,
  loopback: Loopback,
): { tokens: string[]; credentials: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> } {
  const captured = {
    tokens: [] as string[],
    credentials: [] as Array<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>,
  };
  page.on("response", async (response) => {
    const url = response.url();
    const fromIdp = url.startsWith(loopback.endpoints.cognitoIdp);
    const fromIdentity = url.startsWith(loopback.endpoints.cognitoIdentity);
    if ((!fromIdp && !fromIdentity) || response.request().method() !== "POST") return;
    const body = await response.json().catch(() => undefined);
    const tokens = body?.AuthenticationResult;
    if (tokens) captured.tokens.push(...[tokens.IdToken, tokens.AccessToken, tokens.RefreshToken].filter(Boolean));
    const credentials = body?.Credentials;
    if (credentials)
      captured.credentials.push({
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretKey,
        sessionToken: credentials.SessionToken,
      });
  });
  return captured;
}
