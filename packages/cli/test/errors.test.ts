import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startLoopback, type Loopback } from "@iam-auth-api/aws-doubles/loopback";
import { createWorkspace, type Workspace } from "./run-cli";

const PASSWORD = "Passw0rd!";

let loopback: Loopback;
let workspace: Workspace;

beforeAll(async () => {
  loopback = await startLoopback();
  workspace = await createWorkspace(loopback);
  await workspace.run(["signup", "known@example.com"], { input: PASSWORD });
  await workspace.run(["confirm", "known@example.com", "--admin"], { env: { AWS_ACCESS_KEY_ID: "AKIDLOCAL", AWS_SECRET_ACCESS_KEY: "local" } });
}, 30_000);
afterAll(async () => {
  await workspace?.remove();
  await loopback?.stop();
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function operationsSince(start: number): string[] {
  return loopback.requests.slice(start).map(({ service, operation }) => `${service} ${operation}`);
}

describe("outputs", () => {
  test("a missing outputs file names the value and what writes it", async () => {
    const result = await workspace.run(["whoami"], { cwd: workspace.root });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: 'iam-api: The deploy output "Api" is not set (.sst/outputs.json does not exist): run `npx sst deploy` (or `npx sst dev`), which writes it, or set IAM_API_API.\n',
    });
    const elsewhere = await workspace.run(["login", "known@example.com", "--outputs", join(workspace.root, "nope.json")], { input: PASSWORD });
    expect(elsewhere).toMatchObject({ code: 1, stdout: "" });
    expect(elsewhere.stderr).toBe(`iam-api: The outputs file ${join(workspace.root, "nope.json")} does not exist: pass the .sst/outputs.json that \`npx sst deploy\` wrote.\n`);
  });

  test("an incomplete outputs file names the missing value", async () => {
    const partial = join(workspace.root, "partial.json");
    const { IdentityPool: _, ...rest } = loopback.outputs;
    await writeFile(partial, JSON.stringify(rest));
    const result = await workspace.run(["login", "known@example.com", "--outputs", partial], { input: PASSWORD });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `iam-api: The deploy output "IdentityPool" is missing from ${partial}: run \`npx sst deploy\` (or \`npx sst dev\`), which writes it, or set IAM_API_IDENTITY_POOL.\n`,
    });
  });

  test("single values come from the environment", async () => {
    const partial = join(workspace.root, "partial.json");
    const result = await workspace.run(["config", "--outputs", partial, "--format", "env"], { env: { IAM_API_IDENTITY_POOL: "us-east-1:from-env" } });
    expect(result.stdout).toContain("IDENTITY_POOL_ID=us-east-1:from-env\n");
  });
});

describe("Cognito's refusals, one line each", () => {
  test("wrong password", async () => {
    const result = await workspace.run(["login", "known@example.com"], { input: "Wrong-passw0rd" });
    expect(result).toEqual({ code: 1, stdout: "", stderr: "iam-api: Incorrect email or password for known@example.com: check both, or sign up first with `iam-api signup known@example.com`.\n" });
  });

  test("unconfirmed user", async () => {
    await workspace.run(["signup", "pending@example.com"], { input: PASSWORD });
    const result = await workspace.run(["login", "pending@example.com"], { input: PASSWORD });
    expect(result.stderr).toBe("iam-api: pending@example.com is not confirmed yet: run `iam-api confirm pending@example.com <code>` with the emailed code (or `--admin` with your AWS credentials).\n");
    expect(result.code).toBe(1);
  });

  test("wrong confirmation code", async () => {
    const result = await workspace.run(["confirm", "pending@example.com", "000000"]);
    expect(result).toMatchObject({ code: 1, stderr: "iam-api: That confirmation code is not the one sent to pending@example.com: check the latest email and retry.\n" });
  });

  test("user exists", async () => {
    const result = await workspace.run(["signup", "known@example.com"], { input: PASSWORD });
    expect(result).toEqual({ code: 1, stdout: "", stderr: "iam-api: An account for known@example.com already exists: log in with `iam-api login known@example.com` (or confirm it first).\n" });
  });

  test("weak password, in Cognito's words", async () => {
    const result = await workspace.run(["signup", "weak@example.com"], { input: "password1!" });
    expect(result).toEqual({ code: 1, stdout: "", stderr: "iam-api: Cognito rejected the password: Password did not conform with policy: Password must have uppercase characters\n" });
  });

  test("throttling, after the bounded retries", async () => {
    const start = loopback.requests.length;
    loopback.failNext("cognitoIdp", "TooManyRequestsException", "Rate exceeded", 3);
    const result = await workspace.run(["login", "known@example.com", "--json"], { input: PASSWORD });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({
      error: { code: "Throttled", message: "Cognito (user pool) is throttling requests (TooManyRequestsException): wait a minute, then try again." },
    });
    expect(operationsSince(start)).toEqual(Array(3).fill("cognitoIdp InitiateAuth"));
  });
});

describe("network failures", () => {
  test("Cognito unreachable: three attempts, then one line", async () => {
    const port = await closedPort();
    const result = await workspace.run(["login", "known@example.com"], { input: PASSWORD, env: { IAM_API_TEST_ENDPOINT_COGNITO_IDP: `http://127.0.0.1:${port}` } });
    expect(result).toEqual({ code: 1, stdout: "", stderr: "iam-api: Could not reach Cognito (user pool) (ECONNREFUSED) after 3 attempts: check your network connection and the Region output.\n" });
  });

  test("a dropped API connection is retried, and gives up after three attempts", async () => {
    expect((await workspace.run(["login", "known@example.com"], { input: PASSWORD })).code).toBe(0);
    let start = loopback.requests.length;
    loopback.dropNext("api");
    expect((await workspace.run(["whoami"])).code).toBe(0);
    expect(operationsSince(start)).toEqual(["api GET /private", "api GET /private"]);

    start = loopback.requests.length;
    loopback.dropNext("api", 3);
    const result = await workspace.run(["whoami"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^iam-api: Could not reach the API at 127\.0\.0\.1:\d+ \(\w+\) after 3 attempts: check your network connection and the Api output\.\n$/);
    expect(operationsSince(start)).toEqual(Array(3).fill("api GET /private"));
  });
});

describe("the API's 403", () => {
  test("explains the usual causes", async () => {
    const file = join(workspace.cacheDir, `${loopback.outputs.UserPool}.json`);
    const session = JSON.parse(await readFile(file, "utf8"));
    // Credentials the API does not accept, as another stage's identity pool would issue.
    await writeFile(file, JSON.stringify({ ...session, credentials: { ...session.credentials, secretAccessKey: "not-the-issued-secret" } }));
    const result = await workspace.run(["whoami"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "iam-api: The API answered 403 to GET /private: usual causes are outputs of another stage or region (check .sst/outputs.json or --outputs), an identity that is not authenticated, or credentials from another identity pool; log in again with the current outputs. API said: {\"message\":\"The request signature we calculated does not match the signature you provided.\"}\n",
    );
    await writeFile(file, JSON.stringify(session));
  });

  test("a missing file or a name escaping the user's prefix is refused before any request", async () => {
    const start = loopback.requests.length;
    const result = await workspace.run(["upload", join(workspace.root, "missing.txt")]);
    expect(result.stderr).toBe(`iam-api: ${join(workspace.root, "missing.txt")} is not a file: pass the path of the file to upload.\n`);
    expect((await workspace.run(["rm", "../someone-else/file.txt"])).stderr).toBe(
      'iam-api: "../someone-else/file.txt" is not a file name: use a relative name such as notes.txt or docs/notes.txt.\n',
    );
    expect(operationsSince(start)).toEqual([]);
  });
});

describe("usage", () => {
  test("--help lists every command", async () => {
    const help = await workspace.run(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["signup", "confirm", "login", "logout", "whoami", "call", "upload", "ls", "download", "rm", "config"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
  });

  test.each([
    [["frobnicate"], 'Unknown command "frobnicate"'],
    [["login", "not-an-email"], '"not-an-email" is not an email address'],
    [["confirm", "a@example.com"], "Confirm with either the emailed code (confirm a@example.com <code>) or --admin"],
    [["call", "GET", "private"], 'The path must start with / (got "private")'],
    [["ls", "--colour"], "Unknown option '--colour'"],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const result = await workspace.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^iam-api: ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.* \\(see \`iam-api --help\`\\)\\n$`));
  });
});
