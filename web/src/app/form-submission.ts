import { useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { fieldErrors } from './problems.ts';

/**
 * A form's sending: one at a time (a double click sends once), busy while under way, and a refusal
 * shown at its fields (the problem's field errors) and under the form (`failure`).
 */
export function useFormSubmission() {
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});

  /** Sends unless a sending is under way; `work`'s error is shown, not thrown. */
  async function send(work: () => Promise<void>): Promise<void> {
    if (inFlight.current) return;
    setFailure(null);
    inFlight.current = true;
    setBusy(true);
    try {
      await work();
    } catch (error) {
      if (error instanceof ApiError && error.problem) setErrors(fieldErrors(error.problem));
      setFailure(error);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  /** True while a sending is under way: checked before validating, so a second click does nothing. */
  const sending = () => inFlight.current;

  return { busy, failure, errors, setErrors, send, sending };
}

/**
 * A list row's action (revoke, remove, retire): its refusal is shown above the list (`failure`)
 * until the next action starts.
 */
export function useRowAction() {
  const [failure, setFailure] = useState<unknown>(null);
  async function run(work: () => Promise<void>): Promise<void> {
    setFailure(null);
    try {
      await work();
    } catch (error) {
      setFailure(error);
    }
  }
  return { failure, run };
}
