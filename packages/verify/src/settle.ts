/**
 * Right after `sst deploy`, IAM roles and policies and the identity pool's role settings take seconds
 * to tens of seconds to apply everywhere: an operation that must succeed may first be answered
 * AccessDenied or InvalidIdentityPoolConfigurationException. Such an answer is retried for a bounded
 * time, and the check's line says it was; anything else is answered at once.
 */
import { TEST_RETRY_BASE_ENV } from "@iam-auth-api/cli/test-settings";

/** How long a fresh deploy is given to settle. */
export const SETTLE_MS = 60_000;
/** Tests only: a shorter bound, in milliseconds, so that a check that never settles fails in a second. */
export const TEST_SETTLE_ENV = "IAM_API_TEST_VERIFY_SETTLE_MS";

let stopping = false;
/** Ctrl-C: a check waiting for a settling deploy takes the answer it has instead of waiting on. */
export function stopSettling(): void {
  stopping = true;
}

export interface Settled<T> {
  /** The last answer (a value or the error thrown). */
  result: { value: T } | { error: unknown };
  /** `retried 3× over 12 s: AccessDenied…`, when it was retried. */
  retried?: string;
}

/**
 * Runs `attempt` until `unsettled` (given the value or the error) returns undefined, or the bound is
 * reached; backoff 1 s, 2 s, 4 s… (the test retry base in place of 1 s when set).
 */
export async function settle<T>(
  env: NodeJS.ProcessEnv,
  attempt: () => Promise<T>,
  unsettled: (result: { value: T } | { error: unknown }) => string | undefined,
): Promise<Settled<T>> {
  const bound = Number(env[TEST_SETTLE_ENV] || SETTLE_MS);
  const baseMs = Number(env[TEST_RETRY_BASE_ENV] || 1000);
  let reason: string | undefined;
  // From the first unsettled answer: a slow first attempt (an SRP sign-in on a busy machine) still gets its retries.
  let started: number | undefined;
  for (let retries = 0; ; retries++) {
    const result = await attempt().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const wasUnsettled = reason;
    reason = unsettled(result);
    started ??= Date.now();
    const elapsed = Date.now() - started;
    const retried =
      retries > 0
        ? `retried ${retries}× over ${(elapsed / 1000).toFixed(1)} s after ${wasUnsettled}, as a fresh deploy settles`
        : undefined;
    if (!reason || elapsed >= bound || stopping) return { result, retried };
    await new Promise((resolve) => setTimeout(resolve, Math.min(baseMs * 2 ** retries, bound - elapsed)));
  }
}

/** The AWS error name of an SDK or CLI error: the CLI's CliError carries it as `code`. */
export function awsErrorName(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === "CliError" && code ? code : (name ?? "");
}

/** AccessDenied (S3, Cognito) or the identity pool's invalid-configuration answer: what a settling deploy gives. */
export function settlingError(error: unknown): string | undefined {
  const name = awsErrorName(error);
  return ["AccessDenied", "AccessDeniedException", "InvalidIdentityPoolConfigurationException"].includes(name)
    ? name
    : undefined;
}
