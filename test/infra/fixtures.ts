import { beforeAll } from "vitest";
import type { Evaluation, Scenario } from "@iam-auth-api/infra-harness/evaluation";
import { evaluate, evaluateAll } from "@iam-auth-api/infra-harness/evaluate";

/** The stages every property is checked in: one that is torn down freely, one that keeps data. */
export const STAGES = ["dev", "production"] as const;

/** Scenarios registered while the file's tests are collected, not yet asked of the harness. */
const pending: Scenario[] = [];

/**
 * Declares scenarios a file evaluates (with `evaluate` in a test, or `useEvaluation`): the first of
 * the file's hooks to run evaluates every scenario registered so far together, those not cached in
 * one harness process, instead of one process each. Collection registers them all before any hook runs.
 */
export function evaluatesScenarios(scenarios: Scenario[]) {
  pending.push(...scenarios);
  // A cold batch runs Node processes with Pulumi in them; give it room on a busy machine.
  beforeAll(async () => {
    // A refused scenario is the test's to judge, where it asks for it.
    await Promise.allSettled(evaluateAll(pending.splice(0)));
  }, 300_000);
}

/** The app evaluated for `scenario` once per file, before its tests run. */
export function useEvaluation(scenario: Scenario): () => Evaluation {
  let evaluation: Evaluation | undefined;
  evaluatesScenarios([scenario]);
  beforeAll(async () => {
    evaluation = await evaluate(scenario);
  }, 120_000);
  return () => evaluation!;
}
