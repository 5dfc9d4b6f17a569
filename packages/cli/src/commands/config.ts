import { Option, type Command } from "commander";
import { OUTPUT_NAMES, clientSettings, viteEnv } from "@iam-auth-api/client/settings";
import type { Context } from "../context";

export function define(command: Command, context: Context): void {
  command
    .addOption(new Option("--format <format>", "output format").choices(["json", "env"]).default("json"))
    .action(async (options: { format: "json" | "env" }) => {
      const settings = clientSettings(await context.outputs(OUTPUT_NAMES));
      context.io.stdout.write(options.format === "env" ? viteEnv(settings) : `${JSON.stringify(settings, null, 2)}\n`);
    });
}
