// What `npm start` does with bad input and faults: one line and exit 2, API Gateway's 500 for a
// handler that throws, and everything stopped when a service dies.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { DEV_SERVER_PORT } from "@iam-auth-api/client/dev-server";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { parseOptions, UsageError } from "@iam-auth-api/local/options";
import { REPOSITORY_ROOT, startLoopback } from "@iam-auth-api/loopback/loopback";
import { describe, expect, test } from "vitest";
import {
  childrenOf,
  exitsSoon,
  freePortBase,
  listening,
  START,
  STARTUP_MS,
  startLocal,
} from "@iam-auth-api/loopback/npm-start";

const run = (args: string[]) =>
  spawnSync(process.execPath, [START, ...args], { cwd: REPOSITORY_ROOT, encoding: "utf8" });

describe("bad input: one line that says what to do, exit 2", () => {
  const npmKept = (option: string) =>
    `npm took ${option.split(" ")[0]} for itself and did not pass it on: put npm start's options after --, as in \`npm start -- ${option}\`.`;
  // The command line, judged in-process by the function main.ts calls first: the message after `npm start: `.
  test.each([
    {
      case: "an unknown option",
      env: {},
      args: ["--rest"],
      message: "Unknown option '--rest': see `npm start -- --help`.",
    },
    // What npm passes for `npm start --reset --port 4800` (no `--`): the options as its config, 4800 as an argument.
    ...[
      { env: { npm_config_reset: "true" }, args: [], option: "--reset" },
      { env: { npm_config_port: "true" }, args: ["4800"], option: "--port <base>" },
      { env: { npm_config_port: "4800" }, args: [], option: "--port 4800" },
      { env: { npm_config_data_dir: "x" }, args: [], option: "--data-dir x" },
      { env: { npm_config_web: "" }, args: [], option: "--no-web" },
      { env: { npm_config_config: "true" }, args: ["other.config.ts"], option: "--config <file>" },
    ].map(({ env, args, option }) => ({
      case: `an option npm kept for itself: ${option}`,
      env,
      args,
      message: npmKept(option),
    })),
    {
      case: "a port that is not one",
      env: {},
      args: ["--port", "70000"],
      message: expect.stringMatching(/^--port 70000 is not a port: [^\n]+$/),
    },
  ])("$case", ({ env, args, message }) => {
    let thrown: unknown;
    try {
      parseOptions(args, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toEqual(message);
  });

  // The wiring of that function to the process: its message on stderr after `npm start: `, nothing on stdout, exit 2.
  test("an unknown option, as the process answers it", () => {
    expect(run(["--rest"])).toMatchObject({
      status: 2,
      stdout: "",
      stderr: "npm start: Unknown option '--rest': see `npm start -- --help`.\n",
    });
  });

  test("an option npm kept for itself, read from the environment npm runs the script in", () => {
    const result = spawnSync(process.execPath, [START, "4800"], {
      cwd: REPOSITORY_ROOT,
      encoding: "utf8",
      env: { ...process.env, npm_config_port: "true" },
      // Were the option not refused, the stack would start: stopped rather than blocking the run.
      timeout: 30_000,
    });
    expect(result).toMatchObject({ status: 2, stdout: "", stderr: `npm start: ${npmKept("--port <base>")}\n` });
  });

  test("a busy port names the service and the flag that moves it", async () => {
    const base = await freePortBase();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(base + 3, "127.0.0.1", resolve));
    try {
      const result = spawnSync(process.execPath, [START, "--no-web", "--port", String(base)], {
        cwd: REPOSITORY_ROOT,
        encoding: "utf8",
      });
      expect(result).toMatchObject({
        status: 2,
        stderr: `npm start: Port ${base + 3} (S3) is in use, perhaps by another npm start: stop it, or pick other ports with --port <base>.\n`,
      });
    } finally {
      holder.close();
    }
  });

  // Taken during the evaluation, after the check at the start: the same line, not Vite's or Node's error.
  test.each([
    { service: "S3", offset: 3, web: false },
    { service: "the web client's Vite server", offset: undefined, web: true },
  ])("a port taken while evaluating: $service", { timeout: STARTUP_MS }, async ({ offset, web }) => {
    const base = await freePortBase();
    const port = offset === undefined ? DEV_SERVER_PORT : base + offset;
    const dataDir = join(REPOSITORY_ROOT, ".sst", `local-taken-${base}`);
    const holder = createServer();
    const started = startLocal(["--port", String(base), "--data-dir", dataDir], { web });
    try {
      // The data directory is made once the ports were found free, just before the evaluation.
      while (!existsSync(dataDir)) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
      const failure = await started.then(
        (stack) => stack.stop().then(() => ""),
        (error: Error) => error.message,
      );
      expect(failure).toMatch(
        new RegExp(
          `^npm start exited \\(2\\) before it was ready:\n[^]*\nnpm start: Port ${port} \\([^)]+\\) is in use, perhaps by another npm start: stop it, or [^\n]+\\.\n$`,
        ),
      );
      expect(failure).not.toMatch(/Error|\n\s+at /);
      for (let other = 0; other < 5; other++)
        if (base + other !== port) expect(await listening(base + other), `port ${base + other}`).toBe(false);
    } finally {
      holder.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("faults", () => {
  test("a handler that throws: API Gateway's 500, and the stack in the terminal", async () => {
    // The dev stage with GET /public's handler swapped for one that throws.
    const evaluation = structuredClone(await evaluate({ stage: "dev" }));
    const build = evaluation.builds.find((candidate) => candidate.handler.endsWith("/public.handler"))!;
    build.handler = "packages/local/test/fixtures/throws.handler";
    const logged: string[] = [];
    const loopback = await startLoopback({ evaluation, log: (line) => logged.push(line) });
    try {
      const response = await fetch(`${loopback.outputs.Api}/public`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: "Internal Server Error" });
      expect(logged.join("\n")).toMatch(
        /GET \/public failed: Error: boom: a handler bug\n\s+at handler \(.*throws\.ts/,
      );
    } finally {
      await loopback.stop();
    }
  });

  test("a handler's source changed: rebuilt, and the next request runs the new code", async () => {
    const dir = join(REPOSITORY_ROOT, ".sst/fixtures/hot-reload");
    await mkdir(dir, { recursive: true });
    const source = (answer: string) =>
      `export const handler = async () => ({ statusCode: 200, body: ${JSON.stringify(answer)} });\n`;
    await writeFile(join(dir, "hello.ts"), source("first"));
    const evaluation = structuredClone(await evaluate({ stage: "dev" }));
    evaluation.builds.find((candidate) => candidate.handler.endsWith("/public.handler"))!.handler =
      ".sst/fixtures/hot-reload/hello.handler";
    const logged: string[] = [];
    const loopback = await startLoopback({ evaluation, watch: true, log: (line) => logged.push(line) });
    try {
      expect(await (await fetch(`${loopback.outputs.Api}/public`)).text()).toBe("first");
      await writeFile(join(dir, "hello.ts"), source("second"));
      for (let tries = 0; tries < 100 && !logged.some((line) => line.includes("rebuilt")); tries++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(logged).toContain("GET /public: rebuilt after a change to its sources");
      expect(await (await fetch(`${loopback.outputs.Api}/public`)).text()).toBe("second");
    } finally {
      await loopback.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("cognito-local dying stops every other service with one line", { timeout: 120_000 }, async () => {
    const base = await freePortBase();
    const dataDir = join(REPOSITORY_ROOT, ".sst", `local-crash-${base}`);
    const stack = await startLocal(["--port", String(base), "--data-dir", dataDir, "--reset"]);
    try {
      const children = await childrenOf(stack.process.pid!);
      const cognitoLocal = [];
      for (const pid of children)
        if ((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes("cognito-local"))
          cognitoLocal.push(pid);
      expect(cognitoLocal).toHaveLength(1);
      process.kill(cognitoLocal[0], "SIGKILL");
      expect(await stack.exited()).toBe(1);
      expect(stack.stderr()).toBe(
        "npm start: The user pool stopped (cognito-local exited with SIGKILL): every other local service is stopped too; run npm start again.\n",
      );
      for (let offset = 0; offset < 5; offset++) expect(await listening(base + offset)).toBe(false);
      for (const pid of children) expect(await exitsSoon(pid), `child ${pid}`).toBe(true);
    } finally {
      await stack.stop();
      spawnSync("rm", ["-rf", dataDir]);
    }
  });
});
