import { accessSync, constants } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { delimiter, join } from "node:path";
import { type Browser, type BrowserServer, chromium } from "playwright-core";

/**
 * Debian's Chromium (`apt-get install -y chromium`), or the one CHROMIUM_PATH names: Playwright's own
 * browser download cannot work offline, so tests drive a system Chromium through `executablePath`.
 */
export function chromiumPath(): string {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, "chromium"));
  const found = candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found)
    throw new Error(
      `Chromium not found (${process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH}` : "no chromium on PATH"}): install it with \`apt-get install -y chromium\` (as root), or set CHROMIUM_PATH.`,
    );
  return found;
}

/** Headless flags: no sandbox (tests may run as root, as CI does), nothing that reaches the internet. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * One Chromium for a whole test run, served from Vitest's global set-up
 * (packages/web/test/shared-chromium.ts): `GET <url>` answers the WebSocket endpoint of a Playwright
 * browser server, launched on the first request so that a run without browser tests never starts it
 * (and never needs it installed), or the launch's error with status 500. Each test file connects to
 * it with `connectSharedChromium` and takes its own contexts, instead of launching a Chromium of its own.
 */
export async function serveSharedChromium(): Promise<{ url: string; close(): Promise<void> }> {
  let launched: Promise<BrowserServer> | undefined;
  const server = createServer(async (_request, response) => {
    try {
      launched ??= chromium.launchServer({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, host: "127.0.0.1" });
      response.end((await launched).wsEndpoint());
    } catch (error) {
      launched = undefined;
      response.writeHead(500).end((error as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await (await launched?.catch(() => undefined))?.close();
    },
  };
}

/** A connection to the test run's Chromium (`serveSharedChromium`'s `url`); closing it closes this file's contexts, not the browser. */
export async function connectSharedChromium(url: string): Promise<Browser> {
  const response = await fetch(url);
  const answer = await response.text();
  if (!response.ok) throw new Error(answer);
  return chromium.connect(answer);
}
