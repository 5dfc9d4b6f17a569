/**
 * One line per check: ✓ or ✗, what was sent, what came back (and, when it failed, what is wrong);
 * `–` for a check this app does not promise yet (it still ran: the line shows what came back). Then a summary.
 */

export type Status = "pass" | "fail" | "pending";

export interface Outcome {
  status: Status;
  /** What the check proves, e.g. "GET /public answers without a signature". */
  title: string;
  /** What was sent: `GET https://…/public unsigned`. */
  sent: string;
  /** What came back: `200 "Hello stranger!"`. */
  got: string;
  /** Why it failed (what is wrong with the stage), or why it is pending. */
  problem?: string;
  /** How long the answer was waited for while a fresh deploy settled, when it was. */
  retried?: string;
}

const MARKS: Record<Status, string> = { pass: "✓", fail: "✗", pending: "–" };

export function line(outcome: Outcome): string {
  const retried = outcome.retried ? ` (${outcome.retried})` : "";
  const problem = outcome.problem ? ` — ${outcome.problem}` : "";
  return `${MARKS[outcome.status]} ${outcome.title}: ${outcome.sent} → ${outcome.got}${retried}${problem}`;
}

export function summary(
  outcomes: Outcome[],
  removed: string[],
  cleanupFailures: string[],
  interrupted: boolean,
): string[] {
  const count = (status: Status) => outcomes.filter((outcome) => outcome.status === status).length;
  const [passed, failed, pending] = [count("pass"), count("fail"), count("pending")];
  const verdict = interrupted
    ? `Interrupted after ${outcomes.length} checks, the rest not run`
    : failed > 0 || cleanupFailures.length > 0
      ? "Verify FAILED"
      : pending > 0
        ? "No check failed"
        : "All checks passed";
  const lines = [
    `${verdict}: ${passed} passed, ${failed} failed${pending ? `, ${pending} not settled on this stage (–)` : ""}.`,
    removed.length
      ? `Removed what verify created: ${removed.join("; ")}.`
      : "verify created nothing that needed removing.",
  ];
  for (const failure of cleanupFailures) lines.push(`✗ clean-up: ${failure}`);
  return lines;
}

/** `"text"`, cut to one short line, for what came back. */
export function quoted(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
