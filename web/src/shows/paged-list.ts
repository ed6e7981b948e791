/**
 * A cursor-paged list (`items` + `nextCursor`) for the shows pages: the first page whenever `key`
 * changes, more on request. (The portal's page-kit has the same hook but brings the whole
 * component kit with it, which the public catalogue's 25 KB budget cannot carry.)
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { Page } from './model.ts';

export interface PagedList<T> {
  readonly items: readonly T[];
  readonly status: 'loading' | 'ready' | 'failed';
  readonly error: unknown;
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
}

export function usePaged<T>(
  load: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  key: string,
): PagedList<T> {
  const [state, setState] = useState<{
    items: readonly T[];
    cursor: string | null;
    status: 'loading' | 'ready' | 'failed';
    error: unknown;
    loadingMore: boolean;
  }>({ items: [], cursor: null, status: 'loading', error: undefined, loadingMore: false });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const controller = useRef<AbortController | null>(null);

  const fetchPage = useCallback((cursor: string | null, signal: AbortSignal) => {
    loadRef.current(cursor, signal).then(
      (page) => {
        if (signal.aborted) return;
        setState((now) => ({
          items: cursor === null ? page.items : [...now.items, ...page.items],
          cursor: page.nextCursor,
          status: 'ready',
          error: undefined,
          loadingMore: false,
        }));
      },
      (error: unknown) => {
        if (signal.aborted) return;
        setState((now) => ({
          ...now,
          status: cursor === null ? 'failed' : now.status,
          error,
          loadingMore: false,
        }));
      },
    );
  }, []);

  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    setState({ items: [], cursor: null, status: 'loading', error: undefined, loadingMore: false });
    fetchPage(null, current.signal);
    return () => current.abort();
  }, [key, generation]);

  const loadMore = useCallback(() => {
    if (state.cursor === null || state.loadingMore || !controller.current) return;
    setState((now) => ({ ...now, loadingMore: true, error: undefined }));
    fetchPage(state.cursor, controller.current.signal);
  }, [state.cursor, state.loadingMore]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return {
    items: state.items,
    status: state.status,
    error: state.error,
    hasMore: state.cursor !== null,
    loadingMore: state.loadingMore,
    loadMore,
    reload,
  };
}

/** A query-string value of the current address, or '' when absent. */
export function useQuery(name: string): string {
  const { query } = useLocation();
  const value = (query as Record<string, string | undefined>)[name];
  return typeof value === 'string' ? value : '';
}
