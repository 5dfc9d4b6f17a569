/**
 * When a client retries, as the AWS SDKs do: throttling and server errors on idempotent requests,
 * at most `MAX_ATTEMPTS` in all, waiting a jittered exponential backoff or the server's `Retry-After`.
 */

/** Attempts per request, the first one included. */
export const MAX_ATTEMPTS = 3;

/** The first retry waits up to this long; each later one up to twice as long as the one before. */
export const BASE_DELAY_MS = 200;

/** A `Retry-After` longer than this is not waited for: the error says when to try again instead. */
export const MAX_RETRY_AFTER_MS = 20_000;

/** Safe to send twice: repeating them cannot repeat a side effect. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** Throttling (429) and server errors (5xx, gateway timeouts included) may pass on their own. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` in milliseconds (seconds or an HTTP date, RFC 9110 §10.2.3), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: the
 * server's `Retry-After` when it gave one, else "full jitter" backoff, a random delay up to
 * `base · 2^(attempt-1)`, so that many clients throttled at once do not retry in step.
 */
export function retryDelayMs(
  attempt: number,
  retryAfter: number | undefined,
  { baseMs = BASE_DELAY_MS, random = Math.random } = {},
): number {
  if (retryAfter !== undefined) return retryAfter;
  return Math.round(random() * baseMs * 2 ** (attempt - 1));
}
