import { basename } from "node:path";
import type { Command } from "commander";
import type { Context } from "../context";
import { filesContext } from "../files-context";

export function define(command: Command, context: Context): void {
  command
    .argument("<name>", "its name in your files (`iam-api ls` lists them)")
    .argument("[file]", "where to write it (default ./<name>; - for stdout)")
    .action(async (name: string, file: string | undefined) => {
      const [{ downloadFile }, files] = await Promise.all([import("../files"), filesContext(context)]);
      const target = file ?? basename(name);
      const done = context.progress(`Downloading ${name}`);
      const result = await downloadFile(files, name, target, context.io.stdout);
      done();
      if (target !== "-") context.print(result, `Downloaded ${name} to ${target}.`);
    });
}
