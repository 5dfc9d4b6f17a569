import { rm } from "node:fs/promises";
import { buildCli } from "@iam-auth-api/cli/build.mjs";
import { createWorkspace, type Workspace } from "@iam-auth-api/loopback/cli-workspace";
import { startLoopback } from "@iam-auth-api/loopback/loopback";
import { timeCommand } from "./feedback";
import { median } from "./stats";
import type { Row } from "./table";

const EMAIL = "bench@example.com";
const PASSWORD = "Passw0rd!";
const BIN = new URL("../packages/cli/bin/iam-api.mjs", import.meta.url).pathname;

async function mustRun(workspace: Workspace, args: string[], input?: string) {
  const result = await workspace.runProcess(args, { input });
  if (result.code !== 0) throw new Error(`iam-api ${args.join(" ")} failed: ${result.stderr.trim()}`);
}

/** Wall time of one `node <args>` run, spawned the same way for the CLI and for bare Node. */
const timeNode = (args: string[], workspace: Workspace) =>
  timeCommand(process.execPath, args, { cwd: workspace.project, env: workspace.env });

/**
 * The CLI as a user runs it (bin/iam-api.mjs, the built bundle) on the loopback set-up of its tests:
 * start-up and a warm call measured side by side with a bare `node -e 0` (interleaved, same spawn,
 * same machine load), so the targets are ratios to Node's own start-up; and what a cold call costs.
 */
export async function clientRows(runs: number): Promise<Row[]> {
  await buildCli();
  const loopback = await startLoopback();
  // Its runs start the bin the timed calls start: the cold login leaves the compile cache the warm call finds, as a user's does.
  const workspace = await createWorkspace(loopback, { entry: BIN });
  try {
    await mustRun(workspace, ["signup", EMAIL], `${PASSWORD}\n`);
    await mustRun(workspace, ["confirm", EMAIL, await loopback.confirmationCode(EMAIL)]);

    const bare: number[] = [];
    const help: number[] = [];
    const cold = { ms: [] as number[], requests: [] as number[] };
    const warm = { ms: [] as number[], requests: [] as number[], clientMs: [] as number[] };
    // Node's compile cache (beside the credential cache) is written by the first run of each path.
    await timeNode([BIN, "--help"], workspace);
    for (let i = 0; i < runs; i++) {
      bare.push(await timeNode(["-e", "0"], workspace));
      help.push(await timeNode([BIN, "--help"], workspace));

      await rm(workspace.cacheDir, { recursive: true, force: true });
      let before = loopback.count();
      const start = performance.now();
      await mustRun(workspace, ["login", EMAIL], `${PASSWORD}\n`);
      await mustRun(workspace, ["whoami"]);
      cold.ms.push(performance.now() - start);
      cold.requests.push(loopback.count() - before);

      before = loopback.count();
      const ms = await timeNode([BIN, "whoami"], workspace);
      const answered = loopback.requests.slice(before);
      warm.ms.push(ms);
      warm.requests.push(answered.length);
      // The double's answer (SigV4 check, the IAM simulator, the handler's worker) is not the CLI's
      // time, and a real API Gateway's would not be either: the target is the CLI's own share.
      warm.clientMs.push(ms - answered.reduce((sum, request) => sum + (request.answerMs ?? 0), 0));
    }
    const node = median(bare);
    return [
      { section: "client", what: "node -e 0 (the floor, same runs)", value: node, unit: "ms" },
      { section: "client", what: "iam-api --help", value: median(help), unit: "ms" },
      {
        section: "client",
        what: "iam-api --help ÷ node -e 0",
        value: median(help) / node,
        unit: "×",
        target: { max: 1.5 },
      },
      {
        section: "client",
        what: "whoami, warm cache: requests",
        value: median(warm.requests),
        unit: "req",
        target: { max: 1 },
      },
      {
        section: "client",
        what: "whoami, warm cache: wall time",
        value: median(warm.ms),
        unit: "ms",
        note: "includes the loopback API's own time",
      },
      {
        section: "client",
        what: "whoami, warm cache ÷ node -e 0",
        value: median(warm.ms) / node,
        unit: "×",
        note: "with the double's answer",
      },
      {
        section: "client",
        what: "the double's answer to it",
        value: median(warm.ms.map((ms, index) => ms - warm.clientMs[index])),
        unit: "ms",
        note: "SigV4, IAM simulator, handler worker",
      },
      {
        section: "client",
        what: "whoami, warm cache, the CLI's share ÷ node -e 0",
        value: median(warm.clientMs) / node,
        unit: "×",
        target: { max: 1.5 },
        note: "wall time less the double's answer",
      },
      { section: "client", what: "login + whoami, cold cache: requests", value: median(cold.requests), unit: "req" },
      {
        section: "client",
        what: "login + whoami, cold cache: wall time",
        value: median(cold.ms),
        unit: "ms",
        note: "two CLI processes",
      },
    ];
  } finally {
    await workspace.remove();
    await loopback.stop();
  }
}
