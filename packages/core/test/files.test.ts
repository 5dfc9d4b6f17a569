import { describe, expect, test } from "vitest";
import { isFileName, ownFileKey } from "../src/files";

const ID = "us-east-1:0a6b1bb0-614c-4e00-9028-146854eaee4a";

describe("the file-name rule both clients apply", () => {
  test.each(["notes.txt", "docs/notes.txt", "a..b.txt", "..notes", ".hidden"])("%j is a file name", (name) => {
    expect(isFileName(name)).toBe(true);
    expect(ownFileKey(ID, name)).toBe(`private/${ID}/${name}`);
  });

  test.each(["", "/etc/passwd", "..", "../someone-else/file.txt", "docs/../../x", "docs/.."])(
    "%j is not: it would leave the owner's prefix or name nothing",
    (name) => {
      expect(isFileName(name)).toBe(false);
      expect(ownFileKey(ID, name)).toBeUndefined();
    },
  );
});
