import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

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
