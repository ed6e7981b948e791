/**
 * Loading data for a page: `useResource(() => api.get(...), [deps])` gives the data, the error and
 * `reload`; `usePolling` repeats a load until the caller says it is done (e.g. a design registered).
 */
import type { Inputs } from 'preact/hooks';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Resource<T> =
  | {
      readonly status: 'loading';
      readonly data: T | undefined;
      readonly error: undefined;
      readonly reload: () => void;
    }
  | { readonly status: 'ready'; readonly data: T; readonly error: undefined; readonly reload: () => void }
  | {
      readonly status: 'failed';
      readonly data: T | undefined;
      readonly error: unknown;
      readonly reload: () => void;
    };

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, inputs: Inputs): Resource<T> {
  const [state, setState] = useState<{
    status: 'loading' | 'ready' | 'failed';
    data: T | undefined;
    error: unknown;
  }>({
    status: 'loading',
    data: undefined,
    error: undefined,
  });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  // the caller's inputs decide when to load again (as in useEffect)
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ status: 'loading', data: previous.data, error: undefined }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'ready', data, error: undefined });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState((previous) => ({ status: 'failed', data: previous.data, error }));
      },
    );
    return () => controller.abort();
  }, [...inputs, generation]);
  return { ...state, reload } as Resource<T>;
}

/**
 * Calls `load` now and then every `intervalMs` until `done(result)` is true or the component goes
 * away; a failed call is reported and polling goes on (the next one may pass).
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  done: (value: T) => boolean,
  intervalMs: number,
  inputs: Inputs,
): { readonly data: T | undefined; readonly error: unknown; readonly finished: boolean } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [finished, setFinished] = useState(false);
  const doneRef = useRef(done);
  doneRef.current = done;
  // the caller's inputs decide when to start again (as in useEffect)
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setFinished(false);
    const tick = async () => {
      try {
        const value = await load(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
        if (doneRef.current(value)) {
          setFinished(true);
          return;
        }
      } catch (failure) {
        if (controller.signal.aborted) return;
        setError(failure);
      }
      timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...inputs, intervalMs]);
  return { data, error, finished };
}
