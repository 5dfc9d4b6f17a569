import type { Command } from "commander";
import type { Context } from "../context";
import { filesContext } from "../files-context";

export function define(command: Command, context: Context): void {
  command.action(async () => {
    const [{ listFiles }, files] = await Promise.all([import("../files"), filesContext(context)]);
    const listing = await listFiles(files);
    const rows = listing.files.map(
      (file) => `${String(file.size).padStart(10)}  ${file.lastModified ?? ""}  ${file.name}`,
    );
    context.print(
      listing,
      rows.length
        ? rows.join("\n")
        : `No files yet: store one with \`${context.invocation().command("upload <file>")}\`.`,
    );
  });
}
