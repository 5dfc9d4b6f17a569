import { rm } from "node:fs/promises";
import { startLoopback } from "@iam-auth-api/aws-doubles/loopback";
import { createWorkspace, type Workspace } from "../packages/cli/test/run-cli";
import { timeCommand } from "./feedback";
import { median } from "./stats";
import type { Row } from "./table";

const EMAIL = "bench@example.com";
const PASSWORD = "Passw0rd!";

async function mustRun(workspace: Workspace, args: string[], input?: string) {
  const result = await workspace.run(args, { input });
  if (result.code !== 0) throw new Error(`iam-api ${args.join(" ")} failed: ${result.stderr.trim()}`);
}

/** The CLI on the loopback set-up of its own tests: start-up, and what a call costs cold and warm. */
export async function clientRows(runs: number): Promise<Row[]> {
  const loopback = await startLoopback();
  const workspace = await createWorkspace(loopback);
  try {
    await mustRun(workspace, ["signup", EMAIL], `${PASSWORD}\n`);
    await mustRun(workspace, ["confirm", EMAIL, await loopback.confirmationCode(EMAIL)]);

    const help: number[] = [];
    const cold = { ms: [] as number[], requests: [] as number[] };
    const warm = { ms: [] as number[], requests: [] as number[] };
    for (let i = 0; i < runs; i++) {
      help.push(await timeCommand(process.execPath, ["packages/cli/bin/iam-api.mjs", "--help"]));

      await rm(workspace.cacheDir, { recursive: true, force: true });
      let before = loopback.count();
      let start = performance.now();
      await mustRun(workspace, ["login", EMAIL], `${PASSWORD}\n`);
      await mustRun(workspace, ["whoami"]);
      cold.ms.push(performance.now() - start);
      cold.requests.push(loopback.count() - before);

      before = loopback.count();
      start = performance.now();
      await mustRun(workspace, ["whoami"]);
      warm.ms.push(performance.now() - start);
      warm.requests.push(loopback.count() - before);
    }
    return [
      { section: "client", what: "iam-api --help start-up", value: median(help), unit: "ms", target: { max: 150 } },
      { section: "client", what: "login + whoami, cold cache: requests", value: median(cold.requests), unit: "req" },
      { section: "client", what: "login + whoami, cold cache: wall time", value: median(cold.ms), unit: "ms", note: "two CLI processes" },
      { section: "client", what: "whoami, warm cache: requests", value: median(warm.requests), unit: "req", target: { max: 1 } },
      { section: "client", what: "whoami, warm cache: wall time", value: median(warm.ms), unit: "ms" },
    ];
  } finally {
    await workspace.remove();
    await loopback.stop();
  }
}
