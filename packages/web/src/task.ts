import { useCallback, useState } from "react";
import { describe } from "./problem";

/** An action started from the page: whether it is running, and the one sentence to show if it failed. */
export function useTask(initialError?: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(initialError);
  const run = useCallback(async (task: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await task();
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
