import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { evaluateUncached } from "@iam-auth-api/infra-harness/evaluate";
import { createWorkspace, type Workspace } from "@iam-auth-api/loopback/cli-workspace";
import { medianOf } from "./stats";
import type { Row } from "./table";

const START = new URL("../packages/local/bin/start.mjs", import.meta.url).pathname;
const PORT_BASE = Number(process.env.BENCH_LOCAL_PORT ?? 24700);
const PASSWORD = "Passw0rd!";

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** `npm start` until it printed its outputs and every port answers: the milliseconds, and a stop(). */
async function startTimed(dataDir: string): Promise<{ ms: number; stop(): Promise<void> }> {
  const start = performance.now();
  const child = spawn(process.execPath, [START, "--no-web", "--port", String(PORT_BASE), "--data-dir", dataDir]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  while (!stdout.includes("\nReady.")) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${stdout}${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ports = [0, 1, 2, 3, 4].map((offset) => PORT_BASE + offset);
  while (!(await Promise.all(ports.map(answers))).every(Boolean)) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - start;
  return {
    ms,
    stop: () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}

async function mustRun(workspace: Workspace, args: string[], input = "") {
  const result = await workspace.run(["--local", ...args], { input });
  if (result.code !== 0) throw new Error(`iam-api --local ${args.join(" ")} failed: ${result.stderr.trim()}`);
}

/**
 * `npm start` (packages/local): time to ready, as a ratio to one uncached offline evaluation of the
 * same stage measured in this run (npm start's own evaluation is a cache hit unless infra/ changed);
 * and a warm SigV4-signed GET /private through the local API Gateway, IAM simulator and handler worker.
 */
export async function localRows(runs: number): Promise<Row[]> {
  const workspace = await createWorkspace({ outputs: {} as never, env: {} });
  const dataDir = join(workspace.project, ".sst/local");
  try {
    const evaluation = await medianOf(runs, async () => {
      const start = performance.now();
      await evaluateUncached({ stage: "local" });
      return performance.now() - start;
    });
    const ready = await medianOf(runs, async () => {
      const stack = await startTimed(dataDir);
      await stack.stop();
      return stack.ms;
    });
    const stack = await startTimed(dataDir);
    try {
      await mustRun(workspace, ["signup", "bench@example.com"], PASSWORD).catch(() => {});
      await mustRun(workspace, ["confirm", "bench@example.com", "--admin"]).catch(() => {});
      await mustRun(workspace, ["login", "bench@example.com"], `${PASSWORD}\n`);
      const outputs = JSON.parse(await readFile(join(dataDir, "outputs.json"), "utf8"));
      const { credentials } = JSON.parse(await readFile(join(workspace.cacheDir, `${outputs.UserPool}.json`), "utf8"));
      const aws = new AwsClient({ ...credentials, service: "execute-api", region: outputs.Region });
      const call = async () => {
        const response = await aws.fetch(`${outputs.Api}/private`);
        if (response.status !== 200) throw new Error(`GET /private answered ${response.status}`);
        await response.arrayBuffer();
      };
      await call();
      const warm = await medianOf(Math.max(runs, 20), async () => {
        const start = performance.now();
        await call();
        return performance.now() - start;
      });
      return [
        {
          section: "local",
          what: "npm start: ready / one uncached evaluation",
          value: ready / evaluation,
          unit: "×",
          target: { max: 3 },
          note: `ready ${(ready / 1000).toFixed(1)} s (outputs printed, 5 ports answering, harness cache warm), evaluation ${(evaluation / 1000).toFixed(1)} s`,
        },
        {
          section: "local",
          what: "npm start: warm signed GET /private",
          value: warm,
          unit: "ms",
          target: { max: 50 },
          note: "SigV4 check, IAM simulator, handler in its worker",
        },
      ];
    } finally {
      await stack.stop();
    }
  } finally {
    await workspace.remove();
  }
}
