import type { Command } from "commander";
import { callApi } from "../api-call";
import type { Context } from "../context";

export function define(command: Command, context: Context): void {
  command.description("Who the API says you are: the same as `call GET /private`").action(() => callApi(context, "GET", "/private"));
}
