import { AwsClient } from "aws4fetch";
import { MAX_ATTEMPTS, networkErrorCode } from "./aws";
import { CliError } from "./cli-error";
import type { TemporaryCredentials } from "./session-store";

const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_BASE_DELAY_MS = 200;
/** Safe to send twice: a retry after a dropped connection cannot repeat a side effect. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export interface ApiRequest {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

export interface ApiResponse {
  status: number;
  statusText: string;
  contentType: string;
  body: string;
}

/** `Api` output + path, keeping any stage path the URL carries. */
export function apiUrl(api: string, path: string): string {
  let base: string;
  try {
    base = new URL(api).href;
  } catch {
    throw new CliError("InvalidOutputs", `The Api output "${api}" is not a URL: run \`npx sst deploy\` to rewrite the outputs.`);
  }
  return base.replace(/\/$/, "") + path;
}

/** One SigV4-signed request (service `execute-api`), retried only when no response came back. */
export async function signedApiRequest(api: string, region: string, credentials: TemporaryCredentials, request: ApiRequest): Promise<ApiResponse> {
  const signer = new AwsClient({ ...credentials, service: "execute-api", region, retries: 0 });
  const url = apiUrl(api, request.path);
  const headers = request.contentType ? { "content-type": request.contentType } : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const signed = await signer.sign(url, { method: request.method, headers, body: request.body });
      const response = await fetch(signed, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      return {
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get("content-type") ?? "",
        body: await response.text(),
      };
    } catch (error) {
      const cause = networkErrorCode(error) ?? (error as { cause?: { code?: string } }).cause?.code;
      if (!cause) throw error;
      const retryable = IDEMPOTENT_METHODS.has(request.method) || cause === "ECONNREFUSED";
      if (!retryable || attempt >= MAX_ATTEMPTS) {
        throw new CliError("NetworkError", `Could not reach the API at ${new URL(url).host} (${cause}) after ${attempt} attempt${attempt > 1 ? "s" : ""}: check your network connection and the Api output.`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1)));
    }
  }
}
