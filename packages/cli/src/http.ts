import type { IncomingMessage } from "node:http";
import {
  MAX_ATTEMPTS,
  MAX_RETRY_AFTER_MS,
  isIdempotent,
  isTransientStatus,
  retryAfterMs,
  retryDelayMs,
} from "@iam-auth-api/client/retry";
import { AwsV4Signer } from "aws4fetch";
import { attemptsText, networkErrorCode } from "./aws";
import { CliError } from "./cli-error";
import type { TemporaryCredentials } from "./session-store";
import { TEST_RETRY_BASE_ENV } from "./test-settings";

const REQUEST_TIMEOUT_MS = 30_000;

interface ApiRequest {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

interface ApiResponse {
  status: number;
  statusText: string;
  contentType: string;
  body: string;
  /** Requests really sent, retries included. */
  attempts: number;
}

/** `Api` output + path, keeping any stage path the URL carries. */
export function apiUrl(api: string, path: string): URL {
  try {
    return new URL(new URL(api).href.replace(/\/$/, "") + path);
  } catch {
    throw new CliError(
      "InvalidOutputs",
      `The Api output "${api}" is not a URL: run \`npx sst deploy\` to rewrite the outputs.`,
    );
  }
}

/**
 * A request to the API, SigV4-signed (service `execute-api`) when credentials are given. Retried as
 * the SDKs do (`@iam-auth-api/client/retry`): dropped connections, throttling and 5xx on idempotent
 * methods, and a refused connection on any; the last response is returned, whatever its status.
 * Sent with node:http rather than fetch, whose first use loads undici (tens of milliseconds per run).
 */
export async function apiRequest(
  api: string,
  request: ApiRequest,
  signing: { region: string; credentials: TemporaryCredentials } | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ApiResponse> {
  const url = apiUrl(api, request.path);
  const baseMs = env[TEST_RETRY_BASE_ENV] ? Number(env[TEST_RETRY_BASE_ENV]) : undefined;
  const retryable = isIdempotent(request.method);
  for (let attempt = 1; ; attempt++) {
    const headers: Record<string, string> = request.contentType ? { "content-type": request.contentType } : {};
    if (signing) {
      const { accessKeyId, secretAccessKey, sessionToken } = signing.credentials;
      const signer = new AwsV4Signer({
        url: url.href,
        method: request.method,
        headers,
        body: request.body,
        accessKeyId,
        secretAccessKey,
        sessionToken,
        service: "execute-api",
        region: signing.region,
      });
      const signed = await signer.sign();
      for (const [name, value] of signed.headers) headers[name] = value;
    }
    let response: ApiResponse & { retryAfter?: string };
    try {
      response = { ...(await send(url, request.method, headers, request.body)), attempts: attempt };
    } catch (error) {
      const cause = networkErrorCode(error) ?? (error as { code?: string }).code ?? "network error";
      if (!(retryable || cause === "ECONNREFUSED") || attempt >= MAX_ATTEMPTS) {
        throw new CliError(
          "NetworkError",
          `Could not reach the API at ${url.host} (${cause}) after ${attemptsText(attempt)}: check your network connection and the Api output.`,
        );
      }
      await sleep(retryDelayMs(attempt, undefined, { baseMs }));
      continue;
    }
    const { retryAfter: retryAfterHeader, ...answer } = response;
    if (!retryable || !isTransientStatus(answer.status) || attempt >= MAX_ATTEMPTS) return answer;
    const retryAfter = retryAfterMs(retryAfterHeader);
    if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS) return answer;
    await sleep(retryDelayMs(attempt, retryAfter, { baseMs }));
  }
}

/**
 * node:http(s) as CommonJS: an ESM import of them reads every export, including the lazy
 * `WebSocket` getter that loads undici, the cost this module avoids by not using fetch.
 */
function builtin(name: "node:http" | "node:https"): typeof import("node:http") {
  return process.getBuiltinModule(name) as typeof import("node:http");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Omit<ApiResponse, "attempts"> & { retryAfter?: string }> {
  const { request } = builtin(url.protocol === "https:" ? "node:https" : "node:http");
  const answer = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = request(url, { method, headers, timeout: REQUEST_TIMEOUT_MS }, resolve);
    outgoing.on("timeout", () => outgoing.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    outgoing.on("error", reject);
    outgoing.end(body);
  });
  // Read with events, not `for await`: a stream's async iterator is machinery a warm call would load for one body.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    answer.on("data", (chunk: Buffer) => chunks.push(chunk));
    answer.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    answer.on("error", reject);
  });
  return {
    status: answer.statusCode ?? 0,
    statusText: answer.statusMessage ?? "",
    contentType: String(answer.headers["content-type"] ?? ""),
    body: text,
    retryAfter: answer.headers["retry-after"],
  };
}
