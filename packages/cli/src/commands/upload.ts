import type { Command } from "commander";
import type { Context } from "../context";
import { filesContext } from "../files-context";

export function define(command: Command, context: Context): void {
  command
    .argument("<file>", "the file to upload")
    .argument("[name]", "its name in your files (default: the file's own name)")
    .action(async (file: string, name: string | undefined) => {
      const [{ uploadFile }, files] = await Promise.all([import("../files"), filesContext(context)]);
      const done = context.progress(`Uploading ${file}`);
      const entry = await uploadFile(files, file, name);
      done();
      context.print(entry, `Uploaded ${file} (${entry.size} bytes) as ${entry.name} (key ${entry.key}).`);
    });
}
