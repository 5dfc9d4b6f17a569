import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { progress, readSecret, type Io } from "../src/terminal";

function fakeIo(tty: boolean) {
  const written = { stdout: "", stderr: "" };
  const stream = (name: keyof typeof written) => {
    const sink = new PassThrough();
    sink.on("data", (chunk) => (written[name] += chunk));
    return Object.assign(sink, { isTTY: tty });
  };
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: tty,
    setRawMode: tty ? (raw: boolean) => rawModes.push(raw) : undefined,
  });
  const io: Io = { stdin, stdout: stream("stdout"), stderr: stream("stderr") };
  return { io, stdin, written, rawModes };
}

describe("progress", () => {
  test("shows on a terminal and clears its line when done", async () => {
    const { io, written } = fakeIo(true);
    progress(io, false, "Signing in")();
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.stderr).toBe("Signing in…\r\u001b[K");
  });

  test("stays quiet when piped or with --json", async () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ]) {
      const { io, written } = fakeIo(tty);
      progress(io, quiet, "Signing in")();
      await new Promise((resolve) => setImmediate(resolve));
      expect(written).toEqual({ stdout: "", stderr: "" });
    }
  });
});

describe("readSecret", () => {
  test("on a terminal: raw mode, nothing echoed but the prompt, backspace honoured", async () => {
    const { io, stdin, written, rawModes } = fakeIo(true);
    const secret = readSecret(io, "Password: ");
    stdin.write("Passw0rdX\u007f!\r");
    expect(await secret).toBe("Passw0rd!");
    expect(written.stderr).toBe("Password: \n");
    expect(rawModes).toEqual([true, false]);
  });

  test("Ctrl-C cancels with exit code 130", async () => {
    const { io, stdin } = fakeIo(true);
    const secret = readSecret(io, "Password: ");
    stdin.write("abc\u0003");
    await expect(secret).rejects.toMatchObject({ code: "Cancelled", exitCode: 130 });
  });

  test("piped: the first line of stdin, for scripts", async () => {
    const { io, stdin } = fakeIo(false);
    stdin.end("Passw0rd!\r\nignored\n");
    expect(await readSecret(io, "Password: ")).toBe("Passw0rd!");
  });

  test("empty input is a clear error", async () => {
    const { io, stdin } = fakeIo(false);
    stdin.end("");
    await expect(readSecret(io, "Password: ")).rejects.toThrow(
      "No password given: type it at the prompt, or pipe it on stdin.",
    );
  });
});
