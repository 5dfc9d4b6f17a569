import { beforeAll } from "vitest";
import type { Evaluation, Scenario } from "@iam-auth-api/infra-harness/evaluation";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";

/** The stages every property is checked in: one that is torn down freely, one that keeps data. */
export const STAGES = ["dev", "production"] as const;

/** The app evaluated for `scenario` once per file, before its tests run. */
export function useEvaluation(scenario: Scenario): () => Evaluation {
  let evaluation: Evaluation | undefined;
  // A cold evaluation runs a Node process with Pulumi in it; give it room on a busy machine.
  beforeAll(async () => {
    evaluation = await evaluate(scenario);
  }, 120_000);
  return () => evaluation!;
}
