import { chmod, chown, copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { TEST_ENDPOINT_ENV } from "../src/test-settings";
import { closedPort, useWorkspace } from "./fixture";

const PASSWORD = "Passw0rd!";

const fixture = useWorkspace();
beforeAll(async () => {
  await fixture.signUpConfirmed("known@example.com", PASSWORD);
  // Signed in from the start: a test of a cached session does not depend on one that ran before it.
  expect((await fixture.workspace.run(["login", "known@example.com"], { input: PASSWORD })).code).toBe(0);
});

/** pending@example.com, signed up and not confirmed: once for the tests that need it, whichever runs first. */
let pendingSignUp: Promise<unknown> | undefined;
const signedUpPending = () => {
  pendingSignUp ??= fixture.workspace.run(["signup", "pending@example.com"], { input: PASSWORD });
  return pendingSignUp;
};

describe("outputs", () => {
  test("a missing outputs file names every value the command needs, and what writes them", async () => {
    const result = await fixture.workspace.run(["whoami"], { cwd: fixture.workspace.root });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'iam-api: The deploy outputs "Api", "Region", "UserPool", "UserPoolClient" and "IdentityPool" are not set (.sst/outputs.json does not exist): run `npx sst deploy` (or `npx sst dev`), which writes them, or set IAM_API_API, IAM_API_REGION, IAM_API_USER_POOL, IAM_API_USER_POOL_CLIENT and IAM_API_IDENTITY_POOL.\n',
    });
    const elsewhere = await fixture.workspace.run(
      ["login", "known@example.com", "--outputs", join(fixture.workspace.root, "nope.json")],
      { input: PASSWORD },
    );
    expect(elsewhere).toMatchObject({ code: 1, stdout: "" });
    expect(elsewhere.stderr).toBe(
      `iam-api: The outputs file ${join(fixture.workspace.root, "nope.json")} does not exist: pass the .sst/outputs.json that \`npx sst deploy\` wrote.\n`,
    );
  });

  test("signup checks the outputs before asking for the password", async () => {
    // No stdin at all: a CLI that asked for the password first would fail with "No password given".
    const result = await fixture.workspace.run(["signup", "new@example.com"], {
      cwd: fixture.workspace.root,
      input: "",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^iam-api: The deploy outputs "Region", "UserPool" and "UserPoolClient" are not set/);
  });

  test("an incomplete outputs file names every missing value at once", async () => {
    const partial = `${fixture.workspace.root}/partial-two.json`;
    const { IdentityPool: _, Api: __, ...rest } = fixture.loopback.outputs;
    await writeFile(partial, JSON.stringify(rest));
    const result = await fixture.workspace.run(["whoami", "--outputs", partial]);
    expect(result.stderr).toBe(
      `iam-api: The deploy outputs "Api" and "IdentityPool" are missing from ${partial}: run \`npx sst deploy\` (or \`npx sst dev\`), which writes them, or set IAM_API_API and IAM_API_IDENTITY_POOL.\n`,
    );
  });

  test("an incomplete outputs file names the missing value", async () => {
    const partial = join(fixture.workspace.root, "partial.json");
    const { IdentityPool: _, ...rest } = fixture.loopback.outputs;
    await writeFile(partial, JSON.stringify(rest));
    const result = await fixture.workspace.run(["login", "known@example.com", "--outputs", partial], {
      input: PASSWORD,
    });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: The deploy output "IdentityPool" is missing from ${partial}: run \`npx sst deploy\` (or \`npx sst dev\`), which writes it, or set IAM_API_IDENTITY_POOL.\n`,
    });
  });

  test("single values come from the environment", async () => {
    const partial = join(fixture.workspace.root, "partial.json");
    const { IdentityPool: _, ...rest } = fixture.loopback.outputs;
    await writeFile(partial, JSON.stringify(rest));
    const result = await fixture.workspace.run(["config", "--outputs", partial, "--format", "env"], {
      env: { IAM_API_IDENTITY_POOL: "us-east-1:from-env" },
    });
    expect(result.stdout).toContain("\nVITE_IDENTITY_POOL_ID=us-east-1:from-env\n");
  });
});

describe("Cognito's refusals, one line each", () => {
  // Through the process: its exit status 1, the password piped on its stdin.
  test("wrong password", async () => {
    const result = await fixture.workspace.runProcess(["login", "known@example.com"], { input: "Wrong-passw0rd" });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: Incorrect email or password for known@example.com: check both, or sign up first with `iam-api signup known@example.com`.\n",
    });
  });

  test("unconfirmed user", async () => {
    await signedUpPending();
    const result = await fixture.workspace.run(["login", "pending@example.com"], { input: PASSWORD });
    expect(result.stderr).toBe(
      "iam-api: pending@example.com is not confirmed yet: run `iam-api confirm pending@example.com <code>` with the emailed code (or --admin with your AWS credentials).\n",
    );
    expect(result.code).toBe(1);
  });

  test("wrong confirmation code", async () => {
    await signedUpPending();
    const result = await fixture.workspace.run(["confirm", "pending@example.com", "000000"]);
    expect(result).toMatchObject({
      code: 1,
      stderr:
        "iam-api: That confirmation code is not the one sent to pending@example.com: check the latest email and retry.\n",
    });
  });

  test("user exists", async () => {
    const result = await fixture.workspace.run(["signup", "known@example.com"], { input: PASSWORD });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: An account for known@example.com already exists: log in with `iam-api login known@example.com` (or confirm it first).\n",
    });
  });

  test("weak password, in Cognito's words", async () => {
    const result = await fixture.workspace.run(["signup", "weak@example.com"], { input: "password1!" });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: The user pool refused that password (Password must have uppercase characters): run `iam-api signup weak@example.com` again with a stronger one.\n",
    });
  });

  test("the email quota is told apart from throttling", async () => {
    fixture.loopback.failNext(
      "cognitoIdp",
      "LimitExceededException",
      "Exceeded daily email limit for the operation or the account.",
      3,
    );
    const { result, requests } = await fixture.sentDuring(() =>
      fixture.workspace.run(["signup", "quota@example.com"], { input: PASSWORD }),
    );
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: Cognito has sent as many confirmation emails as its quota allows for now (LimitExceededException): try again in a few hours, or configure SES for this stage (SES_FROM_ADDRESS and SES_IDENTITY_ARN, README section on email) and deploy.\n",
    });
    expect(requests).toEqual(Array(3).fill("cognitoIdp SignUp"));
  });

  test("throttling, after the bounded retries", async () => {
    fixture.loopback.failNext("cognitoIdp", "TooManyRequestsException", "Rate exceeded", 3);
    const { result, requests } = await fixture.sentDuring(() =>
      fixture.workspace.run(["login", "known@example.com", "--json"], { input: PASSWORD }),
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({
      error: {
        code: "Throttled",
        message:
          "Cognito (user pool) is throttling requests (TooManyRequestsException): wait a minute, then try again.",
      },
    });
    expect(requests).toEqual(Array(3).fill("cognitoIdp InitiateAuth"));
  });
});

describe("network failures", () => {
  test("Cognito unreachable: three attempts, then one line", async () => {
    const port = await closedPort();
    const result = await fixture.workspace.run(["login", "known@example.com"], {
      input: PASSWORD,
      env: { [TEST_ENDPOINT_ENV.cognitoIdp]: `http://127.0.0.1:${port}` },
    });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: Could not reach Cognito (user pool) (ECONNREFUSED) after 3 attempts: check your network connection and the Region output.\n",
    });
  });

  test("a dropped API connection is retried, and gives up after three attempts", async () => {
    expect((await fixture.workspace.run(["login", "known@example.com"], { input: PASSWORD })).code).toBe(0);
    fixture.loopback.dropNext("api");
    const retried = await fixture.sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(retried.result.code).toBe(0);
    expect(retried.requests).toEqual(["api GET /private", "api GET /private"]);

    fixture.loopback.dropNext("api", 3);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^iam-api: Could not reach the API at 127\.0\.0\.1:\d+ \(\w+\) after 3 attempts: check your network connection and the Api output\.\n$/,
    );
    expect(requests).toEqual(Array(3).fill("api GET /private"));
  });
});

describe("the API's 403", () => {
  test("explains the usual causes", async () => {
    const file = fixture.sessionPath();
    const session = await fixture.readSession();
    // Credentials the API does not accept, as another stage's identity pool would issue.
    await writeFile(
      file,
      JSON.stringify({ ...session, credentials: { ...session.credentials, secretAccessKey: "not-the-issued-secret" } }),
    );
    const result = await fixture.workspace.run(["whoami"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "iam-api: The API refused GET /private (403: The request signature we calculated does not match the signature you provided): the client's settings may belong to another stage or region, or the sign-in to another app; log in again with the current outputs (.sst/outputs.json or --outputs).\n",
    );
    await writeFile(file, JSON.stringify(session));
  });

  test("a missing file or a name escaping the user's prefix is refused before any request", async () => {
    const { requests } = await fixture.sentDuring(async () => {
      const result = await fixture.workspace.run(["upload", join(fixture.workspace.root, "missing.txt")]);
      expect(result.stderr).toBe(
        `iam-api: ${join(fixture.workspace.root, "missing.txt")} is not a file: pass the path of the file to upload.\n`,
      );
      expect((await fixture.workspace.run(["rm", "../someone-else/file.txt"])).stderr).toBe(
        'iam-api: "../someone-else/file.txt" is not a file name: use a relative name such as notes.txt or docs/notes.txt.\n',
      );
    });
    expect(requests).toEqual([]);
  });
});

describe("usage", () => {
  // Through the process: the bundle's overview, which loads no command.
  test("--help lists every command", async () => {
    const help = await fixture.workspace.runProcess(["--help"]);
    expect(help.code).toBe(0);
    for (const command of [
      "signup",
      "confirm",
      "login",
      "logout",
      "whoami",
      "call",
      "upload",
      "ls",
      "download",
      "rm",
      "config",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
  });

  test.each([["whoami"], ["upload"], ["download"], ["config"]])(
    "%s --help prints that command's usage",
    async (command) => {
      const help = await fixture.workspace.run([command, "--help"]);
      expect(help).toMatchObject({ code: 0, stderr: "" });
      expect(help.stdout).toMatch(new RegExp(`^Usage: iam-api ${command} `));
      expect(help.stdout).not.toContain("Commands:");
    },
  );

  const USAGE_ERRORS: [string[], string, string][] = [
    [["frobnicate"], "unknown command 'frobnicate'", ""],
    [["whoam"], "unknown command 'whoam' (Did you mean whoami?)", ""],
    [["login", "not-an-email"], '"not-an-email" is not an email address', " login"],
    [
      ["confirm", "a@example.com"],
      "Confirm with either the emailed code (confirm a@example.com <code>) or --admin",
      " confirm",
    ],
    [["call", "GET", "private"], 'The path must start with / (got "private")', " call"],
    [["ls", "--colour"], "unknown option '--colour'", " ls"],
    [["ls", "--admin"], "unknown option '--admin'", " ls"],
    [["whoami", "extra"], "too many arguments for 'whoami'. Expected 0 arguments but got 1: extra", " whoami"],
    [
      ["config", "--format", "yaml"],
      "option '--format <format>' argument 'yaml' is invalid. Allowed choices are json, env",
      " config",
    ],
    [["download"], "missing required argument 'name'", " download"],
  ];

  test.each(USAGE_ERRORS)("%j is a usage error of that command (exit 2)", async (args, message, command) => {
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(args));
    expect(result).toEqual({ code: 2, stdout: "", stderr: `iam-api: ${message} (see \`iam-api${command} --help\`)\n` });
    expect(requests).toEqual([]);
  });

  test("a usage error is the exit status of the process too", async () => {
    const [args, message, command] = USAGE_ERRORS[1];
    expect(await fixture.workspace.runProcess(args)).toEqual({
      code: 2,
      stdout: "",
      stderr: `iam-api: ${message} (see \`iam-api${command} --help\`)\n`,
    });
  });
});

describe("an older Node", () => {
  // Node 20 simulated in-process (CI may not have one): the SDK and the CLI both read process.version.
  const node20 = ["--import", `data:text/javascript,Object.defineProperty(process, "version", { value: "v20.20.2" })`];

  // Through the process: node's own options, and the SDK's warnings on the process's stderr.
  test("one line says so, never the SDK's NodeVersionSupportWarning block", async () => {
    const result = await fixture.workspace.runProcess(["login", "known@example.com"], {
      input: PASSWORD,
      nodeOptions: node20,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "iam-api: Node v20.20.2 is past its end of life and not supported: install Node 22 or newer (this run goes on).\n",
    );
  });

  test("a supported Node prints nothing extra", async () => {
    expect((await fixture.workspace.runProcess(["login", "known@example.com"], { input: PASSWORD })).stderr).toBe("");
  });
});

describe("a planted credential cache is refused", () => {
  const sessionFile = fixture.sessionPath;

  test("a directory writable by others", async () => {
    expect((await fixture.workspace.run(["login", "known@example.com"], { input: PASSWORD })).code).toBe(0);
    const planted = join(fixture.workspace.root, "shared-cache");
    await mkdir(planted, { recursive: true });
    await chmod(planted, 0o777);
    await copyFile(sessionFile(), join(planted, `${fixture.loopback.outputs.UserPool}.json`));
    await chmod(join(planted, `${fixture.loopback.outputs.UserPool}.json`), 0o600);
    // Through the process: its entry (main.ts) keeps Node's compile cache out of that directory.
    const { result, requests } = await fixture.sentDuring(() =>
      fixture.workspace.runProcess(["whoami"], { env: { IAM_API_CACHE_DIR: planted } }),
    );
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: The credential cache directory ${planted} is writable to other users (mode 0777), who could plant a sign-in or read yours: run \`chmod 700 ${planted}\`, then log in again.\n`,
    });
    expect(requests).toEqual([]);
    // Node's compile cache is not read from (or written to) a directory others can write either.
    await expect(stat(join(planted, "compile-cache"))).rejects.toThrow(/ENOENT/);
  });

  test("a file readable or writable by others", async () => {
    await chmod(sessionFile(), 0o666);
    const result = await fixture.workspace.run(["whoami"]);
    expect(result.stderr).toBe(
      `iam-api: The credential cache file ${sessionFile()} is open to other users (mode 0666), who could plant a sign-in or read yours: run \`chmod 600 ${sessionFile()}\`, then log in again.\n`,
    );
    await chmod(sessionFile(), 0o600);
    expect((await fixture.workspace.run(["whoami"])).code).toBe(0);
  });

  // Giving a file to another user needs root: where the tests run as root (CI containers), it is checked.
  test.runIf(process.getuid?.() === 0)("a file owned by another user", async () => {
    await chown(sessionFile(), 65534, 65534);
    const result = await fixture.workspace.run(["whoami"]);
    expect(result.stderr).toBe(
      `iam-api: The credential cache file ${sessionFile()} belongs to another user (uid 65534), who could plant a sign-in there: delete it (\`rm ${sessionFile()}\`), then log in again.\n`,
    );
    await chown(sessionFile(), 0, 0);
  });
});
