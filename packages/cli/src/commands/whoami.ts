import type { Command } from "commander";
import { callApi } from "../api-call";
import type { Context } from "../context";

export function define(command: Command, context: Context): void {
  command.action(() => callApi(context, "GET", "/private"));
}
