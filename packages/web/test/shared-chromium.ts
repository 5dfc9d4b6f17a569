// Vitest's global set-up (vitest.config.ts): one Chromium for the whole run, launched when the first
// browser test file asks for it, instead of one per file. Each file connects to it and takes its own
// contexts (fixture.ts; packages/local/test/web.test.ts).
import { serveSharedChromium } from "@iam-auth-api/loopback/chromium";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where a test file asks for the run's Chromium: `connectSharedChromium(inject("sharedChromium"))`. */
    sharedChromium: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = await serveSharedChromium();
  project.provide("sharedChromium", shared.url);
  return shared.close;
}
