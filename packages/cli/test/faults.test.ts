import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, test } from "vitest";
import { main } from "../src/cli";
import type { Io } from "../src/terminal";
import { TEST_ENDPOINT_ENV } from "../src/test-settings";
import { closedPort, useWorkspace } from "./fixture";

const EMAIL = "faults@example.com";
const PASSWORD = "Passw0rd!";
const fixture = useWorkspace();

beforeAll(async () => {
  await fixture.signUpConfirmed(EMAIL, PASSWORD);
  expect((await fixture.workspace.run(["login", EMAIL], { input: PASSWORD })).code).toBe(0);
});

const TOO_MANY = { status: 429, body: '{"message":"Too Many Requests"}' };
const INTERNAL = {
  status: 500,
  body: JSON.stringify({ error: "Internal error; the request id is in the API's access log." }),
};

describe("API calls retry throttling and server errors, then fail in one line", () => {
  test("one 429 is retried and the call succeeds, output unchanged", async () => {
    fixture.loopback.answerNext("api", TOO_MANY);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(result).toMatchObject({ code: 0, stderr: "HTTP 200 OK\n" });
    expect(JSON.parse(result.stdout).message).toMatch(/^Hello us-east-1:/);
    expect(requests).toEqual(["api GET /private", "api GET /private"]);
  });

  test("one 500 on a GET is retried", async () => {
    fixture.loopback.answerNext("api", INTERNAL);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["call", "GET", "/files"]));
    expect(result.code).toBe(0);
    expect(requests).toEqual(["api GET /files", "api GET /files"]);
  });

  test("persistent throttling: three attempts, then exactly one line", async () => {
    fixture.loopback.answerNext("api", TOO_MANY, 3);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: The API is throttling requests (429 to GET /private after 3 attempts: Too Many Requests): wait a minute, then try again.\n",
    });
    expect(requests).toEqual(Array(3).fill("api GET /private"));
  });

  test("a persistent 500: one line carrying the API's own message, nothing on stdout", async () => {
    fixture.loopback.answerNext("api", INTERNAL, 3);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: GET /private failed with HTTP 500 Internal Server Error after 3 attempts: Internal error; the request id is in the API's access log.\n",
    });
    expect(requests).toHaveLength(3);
  });

  test("--json: the failure is one JSON line", async () => {
    fixture.loopback.answerNext("api", INTERNAL, 3);
    const result = await fixture.workspace.run(["whoami", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stderr).error.code).toBe("HttpError");
  });

  test("a POST is never repeated", async () => {
    fixture.loopback.answerNext("api", INTERNAL);
    const { result, requests } = await fixture.sentDuring(() =>
      fixture.workspace.run(["call", "POST", "/private", "--data", "{}"]),
    );
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: POST /private failed with HTTP 500 Internal Server Error: Internal error; the request id is in the API's access log.\n",
    });
    expect(requests).toEqual(["api POST /private"]);
  });

  test("a Retry-After longer than the CLI waits is not waited for", async () => {
    fixture.loopback.answerNext("api", { ...TOO_MANY, headers: { "retry-after": "3600" } }, 3);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["whoami"]));
    expect(result.stderr).toBe(
      "iam-api: The API is throttling requests (429 to GET /private: Too Many Requests): wait a minute, then try again.\n",
    );
    expect(requests).toEqual(["api GET /private"]);
    await fixture.workspace.run(["whoami"]);
    await fixture.workspace.run(["whoami"]);
  });
});

describe("open routes need no session", () => {
  test("call GET /public without a session is sent unsigned", async () => {
    const { result, requests } = await fixture.sentDuring(() =>
      fixture.workspace.run(["call", "GET", "/public"], {
        env: { IAM_API_CACHE_DIR: join(fixture.workspace.root, "empty-cache") },
      }),
    );
    expect(result).toMatchObject({ code: 0, stderr: "HTTP 200 OK\n" });
    expect(requests).toEqual(["api GET /public"]);
  });
});

describe("uploads survive a transient failure", () => {
  test("one dropped connection: the PUT is sent again", async () => {
    const source = join(fixture.workspace.root, "report.txt");
    await writeFile(source, "quarterly numbers\n");
    fixture.loopback.dropNext("s3");
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["upload", source]));
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(
      /^Uploaded .*report\.txt \(18 bytes\) as report\.txt \(key private\/us-east-1:[0-9a-f-]+\/report\.txt\)\.\n$/,
    );
    expect(requests).toHaveLength(2);
    const put = new RegExp(`^s3 PUT /${fixture.loopback.outputs.Bucket}/private/.*/report\\.txt`);
    expect(requests.every((request) => put.test(request))).toBe(true);
    expect([...(await fixture.loopback.storedObjects()).values()]).toContain("quarterly numbers\n");
  });

  test("a connection that keeps dropping: the message counts the attempts really made", async () => {
    const source = join(fixture.workspace.root, "report.txt");
    await writeFile(source, "quarterly numbers\n");
    fixture.loopback.dropNext("s3", 3);
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["upload", source, "again.txt"]));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: Could not reach S3 (ECONNRESET) after 3 attempts: check your network connection and the Region output.\n",
    });
    expect(requests).toHaveLength(3);
  });
});

describe("a file you do not have is not an access problem", () => {
  test("a real denial still says so", async () => {
    const result = await fixture.workspace.run(["download", "report.txt", "-"], {
      env: { IAM_API_BUCKET: "another-stages-bucket" },
    });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: S3 refused access to bucket another-stages-bucket: the client's settings may belong to another stage or region, or the sign-in to another app; log in again with the current outputs.\n",
    });
  });

  test("S3's 403 for a missing key of your own is told apart by listing your prefix", async () => {
    const { result, requests } = await fixture.sentDuring(() => fixture.workspace.run(["download", "secret.txt", "-"]));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: "iam-api: There is no file named secret.txt in your files (`iam-api ls` lists them).\n",
    });
    expect(requests).toHaveLength(2);
    const bucket = fixture.loopback.outputs.Bucket;
    expect(requests[0]).toMatch(
      new RegExp(`^s3 GET /${bucket}/private/us-east-1%3A[\\w-]+/secret\\.txt\\?x-id=GetObject$`),
    );
    expect(requests[1]).toMatch(
      new RegExp(`^s3 GET /${bucket}/\\?list-type=2&max-keys=1&prefix=private%2Fus-east-1%3A[\\w-]+%2Fsecret\\.txt$`),
    );
  });
});

describe("progress text on a terminal", () => {
  function terminal(typed: string) {
    const written = { stdout: "", stderr: "" };
    const sink = (name: keyof typeof written) =>
      Object.assign(
        new PassThrough().on("data", (chunk) => (written[name] += chunk)),
        { isTTY: true },
      );
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    stdin.end(typed);
    const io: Io = { stdin, stdout: sink("stdout"), stderr: sink("stderr") };
    return { io, written };
  }

  test("signup with missing outputs asks for nothing and leaves only the error", async () => {
    const { io, written } = terminal("Passw0rd!\rPassw0rd!\r");
    const code = await main(
      ["signup", "tty@example.com", "--outputs", join(fixture.workspace.root, "partial.json")],
      { ...fixture.workspace.env },
      io,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(code).toBe(1);
    expect(written.stderr).toMatch(/^iam-api: The (outputs file|deploy outputs) [^\n]*\n$/);
  });

  test("an error while progress shows clears it first", async () => {
    const port = await closedPort();
    const outputs = join(fixture.workspace.root, "outputs.json");
    await writeFile(outputs, JSON.stringify(fixture.loopback.outputs));
    const { io, written } = terminal(`${PASSWORD}\r`);
    const env = { ...fixture.workspace.env, [TEST_ENDPOINT_ENV.cognitoIdp]: `http://127.0.0.1:${port}` };
    expect(await main(["login", EMAIL, "--outputs", outputs], env, io)).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.stderr).toBe(
      `Password for ${EMAIL}: \nSigning in…\r\u001b[Kiam-api: Could not reach Cognito (user pool) (ECONNREFUSED) after 3 attempts: check your network connection and the Region output.\n`,
    );
    expect(await readFile(outputs, "utf8")).toContain(fixture.loopback.outputs.Api);
  });
});
