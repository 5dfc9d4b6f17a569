// The fast path reads a command line without commander: it must take the plain ones, and whatever it
// takes it must read exactly as commander does (same arguments, options and global options); every
// other line goes to commander, which prints the help or the usage error.
import { describe, expect, test } from "vitest";
import { GLOBAL_OPTIONS } from "../src/cli";
import type { Context } from "../src/context";
import { type CommandDefinition, fastCall, optionSpecs } from "../src/fast-path";
import { runProgram } from "../src/program";
import type { Io } from "../src/terminal";

const COMMANDS = ["call", "config", "confirm", "download", "login", "logout", "ls", "rm", "signup", "upload", "whoami"];

// Nothing here runs a command: each action is replaced by one that records what it was given.
const context = {} as Context;
const silent = { write: () => true } as unknown as NodeJS.WritableStream;
const io = { stdin: process.stdin, stdout: silent, stderr: silent } as unknown as Io;

function recording(definition: CommandDefinition, record: (args: unknown[]) => void): CommandDefinition {
  return {
    define(command, context) {
      definition.define(command, context);
      command.action((...args: unknown[]) => record(args));
    },
  };
}

interface Reading {
  args: unknown[];
  globals: Record<string, unknown>;
}

async function viaFastPath(argv: string[], name: string, definition: CommandDefinition): Promise<Reading | undefined> {
  let args: unknown[] = [];
  const call = fastCall<Record<string, unknown>>(
    argv,
    optionSpecs(GLOBAL_OPTIONS)!,
    name,
    recording(definition, (given) => (args = given)),
    context,
  );
  if (!call) return undefined;
  await call.run();
  return { args, globals: call.globals };
}

async function viaCommander(argv: string[], name: string, definition: CommandDefinition): Promise<Reading | Error> {
  let args: unknown[] = [];
  let globals = () => ({}) as Record<string, unknown>;
  try {
    await runProgram({
      argv,
      io,
      context,
      globalOptions: GLOBAL_OPTIONS,
      summaries: { [name]: "" },
      // Commander passes the command object last; the fast path does not, and no command uses it.
      command: { name, definition: recording(definition, (given) => (args = given.slice(0, -1))) },
      readGlobals: (read) => (globals = read),
    });
  } catch (error) {
    return error as Error;
  }
  return { args, globals: globals() };
}

const load = (name: string): Promise<CommandDefinition> => import(`../src/commands/${name}.ts`);

/** Lines the fast path must take: every command in its plain forms, global options before, after and between. */
const PLAIN: Record<string, string[][]> = {
  whoami: [
    ["whoami"],
    ["whoami", "--json"],
    ["--json", "whoami"],
    ["--outputs", "o.json", "whoami"],
    ["whoami", "--outputs=o.json", "--json"],
  ],
  call: [
    ["call", "GET", "/private"],
    ["call", "post", "/x", "--data", "{}"],
    ["call", "--data=@body.json", "PUT", "/x"],
    ["call", "GET", "--json", "/x", "--data", "--x"],
    ["call", "GET", "/x", "--data", "-"],
  ],
  ls: [["ls"], ["ls", "--json"]],
  rm: [
    ["rm", "a.txt"],
    ["rm", "-"],
  ],
  upload: [
    ["upload", "a.txt"],
    ["upload", "a.txt", "b.txt", "--json"],
  ],
  download: [
    ["download", "a.txt"],
    ["download", "a.txt", "-"],
  ],
  config: [["config"], ["config", "--format", "env"], ["config", "--format=json"]],
  confirm: [
    ["confirm", "me@example.com", "123456"],
    ["confirm", "me@example.com", "--admin"],
  ],
  signup: [["signup", "me@example.com"]],
  login: [
    ["login", "me@example.com"],
    ["login", "--provider", "google", "--token", "-"],
    ["login", "--provider=twitter", "--token", "t", "--token-secret", "-"],
    ["login", "--provider", "auth0", "--token", "t", "--domain", "tenant.example.com"],
  ],
  logout: [["logout"], ["--outputs", "o.json", "logout", "--json"]],
};

/** Lines commander reads differently from a plain reading, or refuses, or answers with help. */
const UNUSUAL = [
  ["whoami", "extra"],
  ["whoami", "--bogus"],
  ["whoami", "--help"],
  ["whoami", "-h"],
  ["whoami", "--json=yes"],
  ["whoami", "--outputs"],
  ["--bogus", "whoami"],
  ["whoami", "--", "--json"],
  ["call", "GET"],
  ["call", "GET", "/x", "--data"],
  ["call", "GET", "/x", "--data", "--json"],
  ["call", "GET", "/x", "--data", "--outputs", "o.json"],
  ["call", "GET", "-1"],
  ["call", "GET", "/x", "-d", "x"],
  ["rm"],
  ["rm", "-x"],
  ["config", "--format", "yaml"],
  ["config", "--format"],
  ["confirm", "me@example.com", "--admin=yes"],
  ["login", "--provider", "myspace", "--token", "t"],
  ["login", "--no-provider"],
  ["upload", "a", "b", "c"],
];

describe("the fast path", () => {
  test("takes a known command's plain command lines", async () => {
    for (const name of COMMANDS) {
      const definition = await load(name);
      expect(PLAIN[name]?.length, name).toBeGreaterThan(0);
      for (const argv of PLAIN[name]) expect(await viaFastPath(argv, name, definition), argv.join(" ")).toBeDefined();
    }
  });

  test("reads every line it takes as commander does, and leaves the rest to commander", async () => {
    let left = 0;
    for (const argv of [...Object.values(PLAIN).flat(), ...UNUSUAL]) {
      const name = argv.find((word, i) => COMMANDS.includes(word) && argv[i - 1] !== "--outputs")!;
      const definition = await load(name);
      const fast = await viaFastPath(argv, name, definition);
      const commander = await viaCommander(argv, name, definition);
      if (fast === undefined) left++;
      else expect(commander, argv.join(" ")).toEqual(fast);
    }
    // Every unusual line is commander's: a usage error or help, never a reading of the fast path's.
    expect(left).toBe(UNUSUAL.length);
  });

  test("whoami with help or a mistake prints commander's help or one usage line", async () => {
    const definition = await load("whoami");
    expect(await viaCommander(["whoami", "extra"], "whoami", definition)).toMatchObject({
      code: "Usage",
      exitCode: 2,
      message: "too many arguments for 'whoami'. Expected 0 arguments but got 1: extra",
    });
    expect(await viaCommander(["whoami", "--help"], "whoami", definition)).toEqual({ args: [], globals: {} });
  });
});
