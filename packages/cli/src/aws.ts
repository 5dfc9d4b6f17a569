import { EMAIL_SENDING_OPERATIONS, emailQuotaReached, throttled } from "@iam-auth-api/client/messages";
import { MAX_ATTEMPTS } from "@iam-auth-api/client/retry";
import { CliError } from "./cli-error";
import { TEST_ENDPOINT_ENV } from "./test-settings";

/** The SDK's own retry strategy (jittered exponential backoff on throttling, 5xx and dropped connections), bounded like the API calls. */
export function clientConfig(region: string, service: keyof typeof TEST_ENDPOINT_ENV, env: NodeJS.ProcessEnv) {
  const endpoint = env[TEST_ENDPOINT_ENV[service]] || undefined;
  return { region, endpoint, maxAttempts: MAX_ATTEMPTS };
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const THROTTLING_ERRORS = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "LimitExceededException",
  "TooManyFailedAttemptsException",
  "SlowDown",
]);

export function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? "";
}

/** The cause of a failed connection (`ECONNREFUSED`…), or undefined when a response came back. */
export function networkErrorCode(error: unknown): string | undefined {
  for (
    let current = error as { code?: string; name?: string; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.code && NETWORK_ERROR_CODES.has(current.code)) return current.code;
    if (current.name === "TimeoutError") return "timeout";
  }
  return undefined;
}

/** The attempts the SDK really made (its `$metadata`), for messages that count them. */
function attemptsMade(error: unknown): number {
  return (error as { $metadata?: { attempts?: number } })?.$metadata?.attempts ?? 1;
}

export function attemptsText(attempts: number): string {
  return `${attempts} attempt${attempts === 1 ? "" : "s"}`;
}

/**
 * The failures every AWS service shares, as one actionable line; undefined for service-specific ones.
 * `operation` tells Cognito's email quota (LimitExceededException when sending a code) from throttling.
 */
export function commonAwsError(error: unknown, service: string, operation?: string): CliError | undefined {
  const network = networkErrorCode(error);
  if (network) {
    return new CliError(
      "NetworkError",
      `Could not reach ${service} (${network}) after ${attemptsText(attemptsMade(error))}: check your network connection and the Region output.`,
    );
  }
  const name = errorName(error);
  if (name === "LimitExceededException" && (EMAIL_SENDING_OPERATIONS as readonly string[]).includes(operation ?? "")) {
    return new CliError("EmailQuota", emailQuotaReached());
  }
  if (THROTTLING_ERRORS.has(name)) return new CliError("Throttled", throttled(service, name));
  if (name === "ResourceNotFoundException") {
    return new CliError(
      "StaleOutputs",
      `${service} does not know a resource from the outputs (${(error as Error).message}): they may belong to another stage or a removed app; run \`npx sst deploy\` and retry.`,
    );
  }
  return undefined;
}

export function unexpectedAwsError(error: unknown, service: string): CliError {
  const message = (error as Error)?.message ?? String(error);
  return new CliError(
    errorName(error) || "AwsError",
    `${service} failed: ${errorName(error) || "error"}: ${message.split("\n")[0]}`,
  );
}
