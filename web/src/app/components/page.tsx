import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A page's <h1>, which also names the document and takes focus after a client-side navigation, so
 * a screen reader announces the new page (a full load starts at the top anyway).
 */
export function PageTitle({
  children,
  title,
}: {
  readonly children: ComponentChildren;
  readonly title: string;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · forgecast`;
    if (document.activeElement && document.activeElement !== document.body) heading.current?.focus();
  }, [title]);
  return (
    <h1 tabIndex={-1} ref={heading}>
      {children}
    </h1>
  );
}
