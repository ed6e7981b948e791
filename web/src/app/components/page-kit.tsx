/**
 * Pieces the licensor, print-shop, admin and operator pages share that the app's component kit
 * does not have: an area's section tabs, and lists read a page at a time with "Show more".
 * (Candidates for web/src/app/components once the portal settles.)
 */
import './page-kit.css';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { nameOrId, type Page } from '../license-view.ts';
import { Button } from './index.ts';

/** The pages of one area as a second row of links; the current one is marked for screen readers. */
export function SectionNav({
  label,
  links,
}: {
  readonly label: string;
  readonly links: readonly { readonly href: string; readonly text: string }[];
}) {
  const { path } = useLocation();
  return (
    <nav class="section-nav" aria-label={label}>
      <ul>
        {links.map((link) => (
          <li key={link.href}>
            <a href={link.href} aria-current={path === link.href ? 'page' : undefined}>
              {link.text}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export type PagedList<T> = {
  readonly items: readonly T[];
  readonly status: 'loading' | 'ready' | 'failed';
  readonly error: unknown;
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
};

/**
 * A cursor-paged list (`items` + `nextCursor`): the first page on mount and whenever `key`
 * changes (a filter), further pages appended on request. A failed page keeps what was shown.
 */
export function usePagedList<T>(
  load: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  key: string,
): PagedList<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'loading' | 'ready' | 'failed'>('loading');
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const controller = useRef<AbortController | null>(null);

  useEffect(() => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setStatus('loading');
    setError(undefined);
    loadRef.current(null, current.signal).then(
      (page) => {
        if (current.signal.aborted) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setStatus('ready');
      },
      (failure: unknown) => {
        if (current.signal.aborted) return;
        setError(failure);
        setStatus('failed');
      },
    );
    return () => current.abort();
  }, [key, generation]);

  const loadMore = useCallback(() => {
    if (cursor === null || loadingMore) return;
    const current = controller.current;
    if (!current) return;
    setLoadingMore(true);
    setError(undefined);
    loadRef.current(cursor, current.signal).then(
      (page) => {
        if (current.signal.aborted) return;
        setItems((shown) => [...shown, ...page.items]);
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (failure: unknown) => {
        if (current.signal.aborted) return;
        setError(failure);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { items, status, error, hasMore: cursor !== null, loadingMore, loadMore, reload };
}

export function ShowMore({
  list,
  label,
}: {
  readonly list: Pick<PagedList<unknown>, 'hasMore' | 'loadingMore' | 'loadMore'>;
  readonly label: string;
}) {
  if (!list.hasMore) return null;
  return (
    <div class="actions">
      <Button variant="secondary" busy={list.loadingMore} onClick={list.loadMore}>
        {label}
      </Button>
    </div>
  );
}

/** A query-string value of the current address (preact-iso's `query`), or '' when absent. */
export function useQueryValue(name: string): string {
  const { query } = useLocation();
  const value = (query as Record<string, string | undefined>)[name];
  return typeof value === 'string' ? value : '';
}

/** A meter of prints used, with its value in words beside it (the words carry the meaning). */
export function UsageMeter({ percent, label }: { readonly percent: number; readonly label: string }) {
  return (
    <span class="usage">
      <span class="usage-text">{label}</span>
      <meter min={0} max={100} value={percent} aria-label={label} />
    </span>
  );
}

/** A design's or organisation's name; its shortened id (full id on hover) only when no name came. */
export function NameOrId({ name, id }: { readonly name: string | null | undefined; readonly id: string }) {
  const shown = nameOrId(name, id);
  return shown.isId ? (
    <code class="mono" title={id}>
      {shown.text}
    </code>
  ) : (
    <span title={id}>{shown.text}</span>
  );
}
