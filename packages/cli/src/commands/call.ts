import type { Command } from "commander";
import { callApi } from "../api-call";
import { UsageError } from "../cli-error";
import type { Context } from "../context";

export function define(command: Command, context: Context): void {
  command
    .argument("<method>", "GET, POST, PUT, DELETE…")
    .argument("<path>", "the route, e.g. /private")
    .option("--data <text|@file>", "request body (JSON is sent as application/json)")
    .action(async (method: string, path: string, options: { data?: string }) => {
      if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`"${method}" is not an HTTP method`);
      if (!path.startsWith("/")) throw new UsageError(`The path must start with / (got "${path}")`);
      await callApi(context, method.toUpperCase(), path, options.data);
    });
}
