import { CliError } from "./cli-error";

export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * A password or token: typed without echo on a terminal, or the first line of stdin for scripts
 * (`printf '%s\n' "$PASSWORD" | iam-api login me@example.com`). `what` names it in the error.
 */
export async function readSecret(io: Io, prompt: string, what = "password"): Promise<string> {
  const secret =
    io.stdin.isTTY && io.stdin.setRawMode ? await readWithoutEcho(io, prompt) : await readFirstLine(io.stdin);
  if (!secret) throw new CliError("EmptyInput", `No ${what} given: type it at the prompt, or pipe it on stdin.`);
  return secret;
}

async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0];
}

function readWithoutEcho(io: Io, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (error?: CliError) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      io.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const character of data.toString("utf8")) {
        if (character === "\r" || character === "\n" || character === "\u0004") return finish();
        if (character === "\u0003") return finish(new CliError("Cancelled", "Cancelled.", 130));
        if (character === "\u007f" || character === "\b") typed = typed.slice(0, -1);
        else typed += character;
      }
    };
    stdin.on("data", onData);
  });
}

/** A status line while a slow step runs, on a terminal only: pipes and `--json` stay clean. */
export function progress(io: Io, quiet: boolean, label: string): () => void {
  if (quiet || !io.stderr.isTTY) return () => {};
  io.stderr.write(`${forTerminal(label)}…`);
  return () => io.stderr.write("\r\u001b[K");
}

/**
 * Text for a terminal with its control characters shown as escapes (`\x1b`, `\u202e`): C0 controls
 * but tab, newline and CR before a newline, DEL, C1 controls, and the bidirectional overrides. A file
 * name or a response body from S3 or the API then cannot move the cursor, clear the screen, retitle
 * the terminal or make one name look like another.
 */
export function forTerminal(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it escapes
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g,
    (character) => {
      const code = character.charCodeAt(0);
      return code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`;
    },
  );
}
