import { useCallback, useRef, useState } from "react";
import { alertText, SessionExpired } from "./problem";

/** An action started from the page: whether it is running, and the one sentence to show if it failed. */
export interface Task {
  busy: boolean;
  /** The sentence the page's alert shows, if the last action failed. */
  error?: string;
  /** Shows a sentence of the page's own, or none. */
  setError: (message?: string) => void;
  /** Shows a failure that happened outside `run` (a load when the page opens) as `run` would. */
  fail: (failure: unknown) => void;
  /** Runs one action: busy meanwhile, the alert cleared first and set if it fails. */
  run: (action: () => Promise<void>) => Promise<void>;
}

export interface TaskOptions {
  /** The alert to show before any action ran (e.g. why the page is signed out). */
  error?: string;
  /** A sign-in that is gone ends the signed-in page instead of showing an alert there. */
  onSessionExpired?: (failure: SessionExpired) => void;
  /** Report into another task's alert (one alert per page); busy stays this task's own. */
  reportTo?: Pick<Task, "setError" | "fail">;
}

/** The one way the page runs an action: every button, form and load goes through a task. */
export function useTask({ error: initialError, onSessionExpired, reportTo }: TaskOptions = {}): Task {
  const [busy, setBusy] = useState(false);
  const [ownError, setOwnError] = useState(initialError);
  // Read when a failure comes, so that `fail` and `run` keep their identity across renders.
  const sessionExpired = useRef(onSessionExpired);
  sessionExpired.current = onSessionExpired;
  const setError = reportTo?.setError ?? setOwnError;
  const ownFail = useCallback((failure: unknown) => {
    if (failure instanceof SessionExpired && sessionExpired.current) sessionExpired.current(failure);
    else setOwnError(alertText(failure));
  }, []);
  const fail = reportTo?.fail ?? ownFail;
  const run = useCallback(
    async (action: () => Promise<void>) => {
      setBusy(true);
      setError(undefined);
      try {
        await action();
      } catch (failure) {
        fail(failure);
      } finally {
        setBusy(false);
      }
    },
    [setError, fail],
  );
  return { busy, error: reportTo ? undefined : ownError, setError, fail, run };
}
