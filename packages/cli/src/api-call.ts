import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { apiFailed, apiForbidden, apiMessage, apiNeedsSignIn, apiThrottled } from "@iam-auth-api/client/messages";
import { CliError } from "./cli-error";
import type { Context } from "./context";
import { apiRequest } from "./http";
import { SESSION_OUTPUTS } from "./outputs";
import { loginHint, appSettings, cachedSession } from "./session";
import { forTerminal } from "./terminal";

/**
 * A call to the API: signed with the cached session's credentials, or unsigned when nobody is
 * logged in (open routes such as `GET /public` need no sign-in). On success the body goes to stdout
 * and the status to stderr; on failure one line, with the API's own message when it gave one.
 */
export async function callApi(context: Context, method: string, path: string, data?: string): Promise<void> {
  const outputs = await context.outputs(["Api", ...SESSION_OUTPUTS]);
  const settings = appSettings(outputs, context.invocation());
  const session = await cachedSession(settings, context.env);
  const body = await requestBody(data, context.cwd);
  const signing = session && { region: settings.region, credentials: session.credentials };
  const response = await apiRequest(outputs.Api, { method, path, ...body }, signing, context.env);
  const status = `${response.status} ${response.statusText}`.trim();
  const request = `${method} ${path}`;

  if (response.status >= 400) {
    const said = apiMessage(response.body);
    if (response.status === 403 && !session)
      throw new CliError(
        "NotLoggedIn",
        apiNeedsSignIn(request, `log in with ${loginHint(settings.invocation)}, then retry`),
      );
    if (response.status === 403) {
      throw new CliError(
        "Forbidden",
        apiForbidden(request, said, "log in again with the current outputs (.sst/outputs.json or --outputs)"),
      );
    }
    if (response.status === 429) throw new CliError("Throttled", apiThrottled(request, said, response.attempts));
    throw new CliError("HttpError", apiFailed(request, status, said, response.attempts));
  }
  const parsed = response.contentType.includes("json") ? safeJson(response.body) : undefined;
  if (context.json()) {
    context.io.stdout.write(
      `${JSON.stringify({ status: response.status, contentType: response.contentType, body: parsed ?? response.body })}\n`,
    );
  } else {
    context.io.stderr.write(`HTTP ${status}\n`);
    const text = parsed === undefined ? ensureNewline(response.body) : `${JSON.stringify(parsed, null, 2)}\n`;
    // Exact bytes into a pipe or file; on a terminal, no control sequence from the API gets through.
    context.io.stdout.write(context.io.stdout.isTTY ? forTerminal(text) : text);
  }
}

async function requestBody(data: string | undefined, cwd: string): Promise<{ body?: string; contentType?: string }> {
  if (data === undefined) return {};
  let body = data;
  if (data.startsWith("@")) {
    try {
      body = readFileSync(resolve(cwd, data.slice(1)), "utf8");
    } catch {
      throw new CliError(
        "FileNotFound",
        `Cannot read ${data.slice(1)} for --data: pass an existing file after @, or the body itself.`,
      );
    }
  }
  return { body, contentType: safeJson(body) === undefined ? "text/plain; charset=utf-8" : "application/json" };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") || text === "" ? text : `${text}\n`;
}
