import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createWorkspace, type Workspace } from "@iam-auth-api/loopback/cli-workspace";
import { startLoopback, type Loopback } from "@iam-auth-api/loopback/loopback";

export interface CliFixture {
  loopback: Loopback;
  workspace: Workspace;
  /** What the CLI sent while `action` ran, as `service operation`. */
  sentDuring<T>(action: () => Promise<T>): Promise<{ result: T; requests: string[] }>;
  /** The user pool's session file in the workspace's credential cache. */
  sessionPath(): string;
  readSession(): Promise<any>;
  /** Signs `email` up and confirms it with `confirm --admin`, as the deployer would. */
  signUpConfirmed(email: string, password: string): Promise<void>;
}

/**
 * The set-up every CLI test file shares: one loopback and one workspace for the whole file, made
 * before its tests and removed after them. Read `fixture.loopback` / `fixture.workspace` inside tests.
 */
export function useWorkspace(): CliFixture {
  const fixture: CliFixture = {
    loopback: undefined as unknown as Loopback,
    workspace: undefined as unknown as Workspace,
    async sentDuring(action) {
      const start = fixture.loopback.requests.length;
      const result = await action();
      return {
        result,
        requests: fixture.loopback.requests.slice(start).map(({ service, operation }) => `${service} ${operation}`),
      };
    },
    sessionPath: () => join(fixture.workspace.cacheDir, `${fixture.loopback.outputs.UserPool}.json`),
    readSession: async () => JSON.parse(await readFile(fixture.sessionPath(), "utf8")),
    async signUpConfirmed(email, password) {
      await fixture.workspace.run(["signup", email], { input: password });
      await fixture.workspace.run(["confirm", email, "--admin"], {
        env: { AWS_ACCESS_KEY_ID: "AKIDLOCAL", AWS_SECRET_ACCESS_KEY: "local" },
      });
    },
  };
  beforeAll(async () => {
    fixture.loopback = await startLoopback();
    // What a command does is tested in this process; what the process does, through workspace.runProcess.
    fixture.workspace = await createWorkspace(fixture.loopback, { inProcess: true });
  }, 30_000);
  afterAll(async () => {
    await fixture.workspace?.remove();
    await fixture.loopback?.stop();
  });
  return fixture;
}

/** A loopback port with nothing listening. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
