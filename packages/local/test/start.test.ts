// `npm start` as a user runs it: a subprocess on free ports with its data in a temp project, driven
// by the CLI with `--local` and by raw signed requests; stopped with SIGINT as Ctrl-C would.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { createWorkspace, type Workspace } from "@iam-auth-api/loopback/cli-workspace";
import { REPOSITORY_ROOT } from "@iam-auth-api/loopback/loopback";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  childrenOf,
  exitsSoon,
  freePortBase,
  type LocalStack,
  listening,
  START,
  STARTUP_MS,
  startLocal,
} from "@iam-auth-api/loopback/npm-start";

const PASSWORD = "Passw0rd!";
const NO_S3_GRANT = join(REPOSITORY_ROOT, ".sst/fixtures/no-s3-grant");

/** The latest code `npm start` printed for `email`. */
function printedCode(stack: LocalStack, email: string): string {
  const codes = [...stack.stdout().matchAll(new RegExp(`^Emailed ${email} a [\\w -]+ code: (\\d{6})$`, "gm"))];
  expect(codes.length, `a code line for ${email}`).toBeGreaterThan(0);
  return codes.at(-1)![1];
}

/** An S3 client signed with the credentials `workspace`'s CLI cached for its logged-in user. */
async function s3As(workspace: Workspace, outputs: Record<string, any>): Promise<S3Client> {
  const session = JSON.parse(await readFile(join(workspace.cacheDir, `${outputs.UserPool}.json`), "utf8"));
  return new S3Client({
    region: outputs.Region,
    endpoint: outputs.Endpoints.s3,
    forcePathStyle: true,
    credentials: session.credentials,
  });
}

/**
 * A copy of the app whose authenticated role keeps execute-api:Invoke and loses every S3 grant (its
 * Denies stay), as `--config`'s path.
 */
async function appWithoutS3Grant(): Promise<string> {
  await rm(NO_S3_GRANT, { recursive: true, force: true });
  await mkdir(NO_S3_GRANT, { recursive: true });
  await cp(join(REPOSITORY_ROOT, "infra"), join(NO_S3_GRANT, "infra"), { recursive: true });
  const config = await readFile(join(REPOSITORY_ROOT, "sst.config.ts"), "utf8");
  await writeFile(join(NO_S3_GRANT, "sst.config.ts"), config.replace("./.sst/platform", "../../platform"));
  const auth = await readFile(join(NO_S3_GRANT, "infra/auth.ts"), "utf8");
  // Every S3 Allow goes (the Denies after them stay: they grant nothing).
  const narrowed = auth.replace(/\n {4}\{\n {6}sid: "OwnFiles",[\s\S]*?\n( {4}\.\.\.storageDenials\(\),)/, "\n$1");
  expect(narrowed, "the fixture drops the S3 grants").not.toMatch(
    /sid: "(OwnFiles|WriteOwnFilesStandardOnly|ListOwnFiles)"/,
  );
  expect(narrowed, "the fixture keeps the API grant").toContain('sid: "InvokeThisApi"');
  await writeFile(join(NO_S3_GRANT, "infra/auth.ts"), narrowed);
  return relative(REPOSITORY_ROOT, join(NO_S3_GRANT, "sst.config.ts"));
}

describe("npm start, driven by the CLI with --local", () => {
  let alice: Workspace;
  let bob: Workspace;
  let carol: Workspace;
  let port: number;
  let dataDir: string;
  let stack: LocalStack;
  const outputs = async () => JSON.parse(await readFile(join(dataDir, "outputs.json"), "utf8"));
  const cli = (workspace: Workspace, args: string[], input = "") =>
    workspace.run(["--local", ...args], { input, cwd: alice.project, env: { AWS_ACCESS_KEY_ID: undefined } });

  beforeAll(async () => {
    // The CLI in this process (its own tests prove its process boundary): npm start is the subject here.
    alice = await createWorkspace({ outputs: {} as never, env: {} }, { inProcess: true });
    bob = await createWorkspace({ outputs: {} as never, env: {} }, { inProcess: true });
    carol = await createWorkspace({ outputs: {} as never, env: {} }, { inProcess: true });
    // Bob's and Carol's CLIs run in Alice's project (the same .sst/local/outputs.json) with his own cache.
    dataDir = join(alice.project, ".sst/local");
    port = await freePortBase();
    stack = await startLocal(["--port", String(port), "--data-dir", dataDir]);
  }, STARTUP_MS);
  afterAll(async () => {
    await stack?.stop();
    await alice?.remove();
    await bob?.remove();
    await carol?.remove();
    await rm(NO_S3_GRANT, { recursive: true, force: true });
  });

  test("outputs as sst dev writes them, plus the local endpoints", async () => {
    const written = await outputs();
    // The app's own outputs, as its evaluation returns them (sst.config.ts), sorted as sst dev prints them.
    const appOutputs = Object.keys((await evaluate({ stage: "local" })).outputs)
      .filter((name) => !name.startsWith("_"))
      .sort();
    expect(appOutputs).toHaveLength(7);
    expect(Object.keys(written)).toEqual([...appOutputs, "Endpoints"]);
    expect(written.Api).toBe(`http://127.0.0.1:${port}`);
    expect(written.Bucket).toMatch(/^iam-auth-api-local-uploadsbucket-/);
    for (const name of appOutputs)
      expect(stack.stdout().split("\n")).toContain(
        `${name}: ${written[name]}${name === "Web" ? " (not started: --no-web)" : ""}`,
      );
    // Not the default .sst/local: the banner names the file, and that command reaches this stack.
    const file = join(dataDir, "outputs.json");
    expect(stack.stdout()).toContain(`; the CLI: npx iam-api --outputs ${file} <command>. Ctrl-C`);
    const signup = await alice.run(["--outputs", file, "signup", "zed@example.com"], {
      input: PASSWORD,
      env: { AWS_ACCESS_KEY_ID: undefined },
    });
    expect(signup).toMatchObject({ code: 0, stdout: expect.stringContaining(`iam-api --outputs ${file} confirm`) });
  });

  test("sign up, the code from the terminal, login, whoami, upload, ls, download, rm", {
    timeout: STARTUP_MS,
  }, async () => {
    expect(await cli(alice, ["signup", "alice@example.com"], PASSWORD)).toMatchObject({ code: 0 });
    const code = printedCode(stack, "alice@example.com");
    const fetched = await fetch(`${(await outputs()).Endpoints.codes}/alice@example.com`);
    expect(await fetched.json()).toEqual({ email: "alice@example.com", code });
    expect((await cli(alice, ["confirm", "alice@example.com", code])).code).toBe(0);
    expect((await cli(alice, ["login", "alice@example.com"], `${PASSWORD}\n`)).code).toBe(0);
    const whoami = await cli(alice, ["whoami", "--json"]);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout).body.identityPoolId).toBe((await outputs()).IdentityPool);
    await writeFile(join(alice.project, "notes.txt"), "alice's notes\n");
    expect((await cli(alice, ["upload", "notes.txt"])).code).toBe(0);
    expect((await cli(alice, ["ls"])).stdout).toMatch(/\bnotes\.txt\n$/);
    expect(await cli(alice, ["download", "notes.txt", "-"])).toMatchObject({ code: 0, stdout: "alice's notes\n" });
    await writeFile(join(alice.project, "keep.txt"), "kept across restarts\n");
    expect((await cli(alice, ["upload", "keep.txt"])).code).toBe(0);
    expect((await cli(alice, ["rm", "notes.txt"])).code).toBe(0);
    expect((await cli(alice, ["ls"])).stdout).not.toContain("notes.txt");
  });

  test("confirm --admin works without AWS credentials, and a second user is denied the first one's file", {
    timeout: STARTUP_MS,
  }, async () => {
    expect((await cli(bob, ["signup", "bob@example.com"], PASSWORD)).code).toBe(0);
    expect((await cli(bob, ["confirm", "bob@example.com", "--admin"])).code).toBe(0);
    expect((await cli(bob, ["login", "bob@example.com"], `${PASSWORD}\n`)).code).toBe(0);
    const { Bucket } = await outputs();
    const aliceSession = JSON.parse(await readFile(join(alice.cacheDir, `${(await outputs()).UserPool}.json`), "utf8"));
    const aliceKey = `private/${aliceSession.identityId}/keep.txt`;
    const asAlice = await s3As(alice, await outputs());
    const own = await asAlice.send(new GetObjectCommand({ Bucket, Key: aliceKey }));
    expect(await own.Body!.transformToString()).toBe("kept across restarts\n");
    const asBob = await s3As(bob, await outputs());
    await expect(asBob.send(new GetObjectCommand({ Bucket, Key: aliceKey }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    await expect(
      asBob.send(new ListObjectsV2Command({ Bucket, Prefix: `private/${aliceSession.identityId}/` })),
    ).rejects.toMatchObject({ name: "AccessDenied" });
  });

  test("the local data (verifiers, tokens, secret keys, files) is 0600 in 0700 directories", async () => {
    const modes: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        modes.push(`${relative(dataDir, path)} ${((await stat(path)).mode & 0o777).toString(8)}`);
        if (entry.isDirectory()) await walk(path);
      }
    };
    modes.push(`. ${((await stat(dataDir)).mode & 0o777).toString(8)}`);
    await walk(dataDir);
    expect(modes).toEqual(expect.arrayContaining(["identity-pool.json 600", "outputs.json 600"]));
    expect(modes.filter((line) => !/ [67]00$/.test(line))).toEqual([]);
  });

  // Stopping this stack for the restart below, as a closed terminal would.
  test("a closed terminal (SIGHUP) stops it as Ctrl-C does, outputs removed", async () => {
    const children = await childrenOf(stack.process.pid!);
    expect(await stack.stop("SIGHUP")).toBe(0);
    for (let offset = 0; offset < 5; offset++) expect(await listening(port + offset)).toBe(false);
    for (const pid of children) expect(await exitsSoon(pid), `child ${pid}`).toBe(true);
    expect(existsSync(join(dataDir, "outputs.json"))).toBe(false);
  });

  test("users and files survive a restart; --reset empties them", { timeout: 3 * STARTUP_MS }, async () => {
    stack = await startLocal(["--port", String(port), "--data-dir", dataDir]);
    expect((await cli(alice, ["login", "alice@example.com"], `${PASSWORD}\n`)).code).toBe(0);
    expect(await cli(alice, ["download", "keep.txt", "-"])).toEqual({
      code: 0,
      stdout: "kept across restarts\n",
      stderr: "",
    });
    expect(await stack.stop()).toBe(0);
    // The last start of this file: emptied, and serving the app with a narrower role (the next test).
    stack = await startLocal([
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--reset",
      "--config",
      await appWithoutS3Grant(),
    ]);
    const login = await cli(alice, ["login", "alice@example.com"], `${PASSWORD}\n`);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/password|not exist|sign up/i);
  });

  test("a narrower role policy in infra/ is what the local stack enforces: the API still answers; S3 refuses the user's own files", async () => {
    expect((await cli(carol, ["signup", "carol@example.com"], PASSWORD)).code).toBe(0);
    expect((await cli(carol, ["confirm", "carol@example.com", "--admin"])).code).toBe(0);
    expect((await cli(carol, ["login", "carol@example.com"], `${PASSWORD}\n`)).code).toBe(0);
    expect((await cli(carol, ["whoami"])).code).toBe(0);
    await writeFile(join(alice.project, "carol-notes.txt"), "no grant\n");
    const upload = await cli(carol, ["upload", "carol-notes.txt"]);
    expect(upload.code).toBe(1);
    expect(upload.stderr).toMatch(/S3 refused/);
  });

  test("Ctrl-C stops every process and leaves no port listening", async () => {
    const children = await childrenOf(stack.process.pid!);
    expect(children.length, "cognito-local runs as a child").toBeGreaterThan(0);
    expect(await stack.stop("SIGINT")).toBe(0);
    for (let offset = 0; offset < 5; offset++)
      expect(await listening(port + offset), `port ${port + offset}`).toBe(false);
    for (const pid of children) expect(await exitsSoon(pid), `child ${pid}`).toBe(true);
    await expect(readFile(join(dataDir, "outputs.json"))).rejects.toThrow(/ENOENT/);
  });
});

describe("stopping npm start", () => {
  // A terminal's Ctrl-C signals the whole process group, the evaluation's process included.
  test("Ctrl-C while the app evaluates: a quiet stop, exit 0 as after Ready", { timeout: STARTUP_MS }, async () => {
    const base = await freePortBase();
    const dataDir = join(REPOSITORY_ROOT, ".sst", `local-interrupted-${base}`);
    const child = spawn(process.execPath, [START, "--no-web", "--port", String(base), "--data-dir", dataDir], {
      cwd: REPOSITORY_ROOT,
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      // The data directory is made just before the evaluation starts; its process is a child.
      while (!existsSync(dataDir) || (await childrenOf(child.pid!)).length === 0)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const children = await childrenOf(child.pid!);
      process.kill(-child.pid!, "SIGINT");
      // Together, so that a failure shows what npm start printed.
      expect({ code: await exited, output }).toEqual({ code: 0, output: "" });
      for (const pid of children) expect(await exitsSoon(pid), `child ${pid}`).toBe(true);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
