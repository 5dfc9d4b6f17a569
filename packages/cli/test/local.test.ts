// `--local` as `npm start`'s users run it: the commands the CLI suggests next keep `--local`, so
// copying one reaches the same stack, and locally `--admin` needs no AWS credentials.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createWorkspace, type Workspace } from "@iam-auth-api/loopback/cli-workspace";
import { type Loopback, startLoopback } from "@iam-auth-api/loopback/loopback";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const PASSWORD = "Passw0rd!";

/** The local stack's outputs file as `npm start` writes it: the outputs and the doubles' endpoints. */
const localOutputs = () => JSON.stringify({ ...loopback.outputs, Endpoints: loopback.endpoints });

// One loopback for the file; its outputs where `npm start` writes them, and where `--data-dir` would.
let loopback: Loopback;
let workspace: Workspace;
beforeAll(async () => {
  loopback = await startLoopback();
  workspace = await createWorkspace({ outputs: {} as never, env: {} }, { inProcess: true });
  for (const dir of [".sst/local", "elsewhere"]) {
    await mkdir(join(workspace.project, dir), { recursive: true });
    await writeFile(join(workspace.project, dir, "outputs.json"), localOutputs());
  }
}, 30_000);
afterAll(async () => {
  await workspace?.remove();
  await loopback?.stop();
});

describe("hints after a command run with --local", () => {
  // No AWS credentials and no endpoint variables: what --local reads from .sst/local/outputs.json.
  const cli = (args: string[], input = "") => workspace.run(args, { input, env: { AWS_ACCESS_KEY_ID: undefined } });

  test("signup, login before confirming, confirm: each suggested command keeps --local and works", async () => {
    const environment = { ...process.env };
    const signup = await cli(["--local", "signup", "dan@example.com"], PASSWORD);
    expect(signup.code).toBe(0);
    expect(signup.stdout).toMatch(/: iam-api --local confirm dan@example\.com <code> {2}\(or --admin\)\n$/);
    const early = await cli(["--local", "login", "dan@example.com"], `${PASSWORD}\n`);
    expect(early.stderr).toContain(
      "run `iam-api --local confirm dan@example.com <code>` with the emailed code (or --admin).",
    );
    // The suggestion, as a user copies it.
    const confirm = await cli(["--local", "confirm", "dan@example.com", "--admin"]);
    expect(confirm).toMatchObject({
      code: 0,
      stdout: "Confirmed dan@example.com. Log in with: iam-api --local login dan@example.com\n",
    });
    expect((await cli(["--local", "login", "dan@example.com"], `${PASSWORD}\n`)).code).toBe(0);
    expect((await cli(["--local", "signup", "dan@example.com"], PASSWORD)).stderr).toContain(
      "log in with `iam-api --local login dan@example.com`",
    );
    expect((await cli(["--local", "download", "missing.txt", "-"])).stderr).toContain(
      "`iam-api --local ls` lists them",
    );
    expect((await cli(["--local", "ls"])).stdout).toBe(
      "No files yet: store one with `iam-api --local upload <file>`.\n",
    );
    // --local puts placeholder AWS credentials in the environment for the SDK: in-process runs put this process's back.
    expect(process.env).toEqual(environment);
  });

  test("without --local and no .sst/outputs.json, the error suggests --local", async () => {
    await rm(join(workspace.project, ".sst/outputs.json"), { force: true });
    const result = await cli(["signup", "erin@example.com"], PASSWORD);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "(.sst/outputs.json does not exist; for the local stack `npm start` serves, add --local)",
    );
  });
});

describe("the outputs of a local stack named with --outputs (npm start --data-dir)", () => {
  test("reach its endpoints, as --local does, and the hints repeat --outputs", async () => {
    const run = (args: string[], input = "") =>
      workspace.run(["--outputs", "elsewhere/outputs.json", ...args], { input, env: { AWS_ACCESS_KEY_ID: undefined } });
    const before = loopback.count("cognitoIdp");
    const signup = await run(["signup", "fay@example.com"], PASSWORD);
    expect(signup).toMatchObject({ code: 0 });
    expect(loopback.count("cognitoIdp")).toBeGreaterThan(before);
    expect(signup.stdout).toMatch(
      /: iam-api --outputs elsewhere\/outputs\.json confirm fay@example\.com <code> {2}\(or --admin\)\n$/,
    );
    expect((await run(["confirm", "fay@example.com", "--admin"])).code).toBe(0);
  });
});
