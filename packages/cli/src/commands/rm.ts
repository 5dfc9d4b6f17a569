import type { Command } from "commander";
import type { Context } from "../context";
import { filesContext } from "../files-context";

export function define(command: Command, context: Context): void {
  command.argument("<name>", "its name in your files").action(async (name: string) => {
    const [{ removeFile }, files] = await Promise.all([import("../files"), filesContext(context)]);
    const result = await removeFile(files, name);
    context.print(result, `Deleted ${name}.`);
  });
}
