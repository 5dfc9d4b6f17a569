// `download` never overwrites a file or writes through a symbolic link unless asked, and text meant
// for a terminal cannot carry control sequences from a file's name or an API's body.
import { lstat, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { forTerminal } from "../src/terminal";
import { useWorkspace } from "./fixture";

const fixture = useWorkspace();
const EMAIL = "safety@example.com";
const PASSWORD = "Passw0rd!";

describe("iam-api download into files", () => {
  beforeAll(async () => {
    await fixture.signUpConfirmed(EMAIL, PASSWORD);
    await fixture.workspace.run(["login", EMAIL], { input: PASSWORD });
    const source = join(fixture.workspace.root, "report.txt");
    await writeFile(source, "fresh copy\n");
    expect((await fixture.workspace.run(["upload", source, "report.txt"])).code).toBe(0);
  }, 60_000);
  const inProject = (name: string) => join(fixture.workspace.project, name);

  test("refuses to overwrite an existing file, which keeps its content", async () => {
    await writeFile(inProject("report.txt"), "my own work\n");
    expect(await fixture.workspace.run(["download", "report.txt"])).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "iam-api: report.txt already exists: pass --force to replace it, or download to another file: iam-api download report.txt <file>.\n",
    });
    expect(await readFile(inProject("report.txt"), "utf8")).toBe("my own work\n");
  });

  test("--force replaces it", async () => {
    await writeFile(inProject("replaced.txt"), "old\n");
    expect((await fixture.workspace.run(["download", "report.txt", "replaced.txt", "--force"])).code).toBe(0);
    expect(await readFile(inProject("replaced.txt"), "utf8")).toBe("fresh copy\n");
  });

  test("refuses a symbolic link, even one pointing nowhere; --force replaces the link, not what it points to", async () => {
    const precious = join(fixture.workspace.root, "precious.txt");
    await writeFile(precious, "do not touch\n");
    await symlink(precious, inProject("linked.txt"));
    await symlink(join(fixture.workspace.root, "nowhere.txt"), inProject("dangling.txt"));
    for (const target of ["linked.txt", "dangling.txt"]) {
      const refused = await fixture.workspace.run(["download", "report.txt", target]);
      expect(refused.code, target).toBe(1);
      expect(refused.stderr, target).toContain(`${target} is a symbolic link: pass --force to replace it`);
    }
    expect(await lstat(join(fixture.workspace.root, "nowhere.txt")).catch(() => "absent")).toBe("absent");

    expect((await fixture.workspace.run(["download", "report.txt", "linked.txt", "--force"])).code).toBe(0);
    expect(await readFile(precious, "utf8"), "the link's target").toBe("do not touch\n");
    expect((await lstat(inProject("linked.txt"))).isSymbolicLink(), "linked.txt is a link").toBe(false);
    expect(await readFile(inProject("linked.txt"), "utf8")).toBe("fresh copy\n");
    await expect(readlink(inProject("linked.txt"))).rejects.toThrow();
  });

  test("a file that is not there leaves no partial file behind", async () => {
    const missing = await fixture.workspace.run(["download", "missing.txt"]);
    expect(missing.code).toBe(1);
    expect(await lstat(inProject("missing.txt")).catch(() => "absent")).toBe("absent");
    expect((await readdir(fixture.workspace.project)).filter((entry) => entry.endsWith(".partial"))).toEqual([]);
  });

  test("names with control characters are listed and reported as escapes", async () => {
    const source = join(fixture.workspace.root, "plain.txt");
    await writeFile(source, "x");
    const evil = "evil\u001b]0;pwned\u0007\u001b[2J\u202etxt.exe";
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters must not reach the terminal
    expect((await fixture.workspace.run(["upload", source, evil])).stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    const ls = await fixture.workspace.run(["ls"]);
    expect(ls.stdout).toContain("evil\\x1b]0;pwned\\x07\\x1b[2J\\u202etxt.exe");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters must not reach the terminal
    expect(ls.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    // --json keeps the real name, escaped the JSON way, for scripts.
    expect(JSON.parse((await fixture.workspace.run(["ls", "--json"])).stdout).files.map((f: any) => f.name)).toContain(
      evil,
    );
    const failed = await fixture.workspace.run(["download", `${evil}-missing`, "-"]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters must not reach the terminal
    expect(failed.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
  });
});

describe("forTerminal", () => {
  test("escapes control characters, keeps text, tabs and line breaks", () => {
    expect(forTerminal("a\tb\nc\r\nd")).toBe("a\tb\nc\r\nd");
    expect(forTerminal("\u001b[31mred\u009b\u007f\rx\u0000")).toBe("\\x1b[31mred\\x9b\\x7f\\x0dx\\x00");
    expect(forTerminal("caf\u00e9 \u202eexe.txt \u2066")).toBe("caf\u00e9 \\u202eexe.txt \\u2066");
  });
});
