import { afterAll, beforeAll } from "vitest";
import { createWorkspace, type Workspace } from "@iam-auth-api/loopback/cli-workspace";
import { startLoopback, type Loopback } from "@iam-auth-api/loopback/loopback";

/**
 * The set-up every CLI test file shares: one loopback and one workspace for the whole file, made
 * before its tests and removed after them. Read `fixture.loopback` / `fixture.workspace` inside tests.
 */
export function useWorkspace(): { loopback: Loopback; workspace: Workspace } {
  const fixture = {} as { loopback: Loopback; workspace: Workspace };
  beforeAll(async () => {
    fixture.loopback = await startLoopback();
    fixture.workspace = await createWorkspace(fixture.loopback);
  }, 30_000);
  afterAll(async () => {
    await fixture.workspace?.remove();
    await fixture.loopback?.stop();
  });
  return fixture;
}
