/**
 * A data table with a caption (its accessible name), header cells with scope, and the empty state
 * in place of an empty table. On a phone it scrolls sideways inside a focusable, labelled region,
 * so keyboard users can scroll it too.
 */
import type { ComponentChildren } from 'preact';
import { useT } from '../i18n.tsx';
import { appMessages } from '../messages.ts';
import { EmptyState } from './feedback.tsx';

export interface Column<Row> {
  readonly header: string;
  readonly cell: (row: Row) => ComponentChildren;
  /** Right-aligned numbers. */
  readonly numeric?: boolean;
}

export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
}: {
  readonly caption: string;
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  /** What the empty state says (and may offer) when there are no rows. */
  readonly empty: ComponentChildren;
}) {
  const t = useT(appMessages);
  if (rows.length === 0) return <EmptyState>{empty}</EmptyState>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-scroll" aria-label={t('scrollableTable', { caption })} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" class={column.numeric ? 'numeric' : undefined}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td key={column.header} class={column.numeric ? 'numeric' : undefined}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A definition list for one record's properties (detail pages). */
export function Properties({
  items,
}: {
  readonly items: readonly { readonly term: string; readonly value: ComponentChildren }[];
}) {
  return (
    <dl class="properties">
      {items.map((item) => (
        <div key={item.term}>
          <dt>{item.term}</dt>
          <dd>{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}
