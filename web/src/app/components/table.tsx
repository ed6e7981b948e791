/**
 * A data table with a caption (its accessible name), header cells with scope, and the empty state
 * in place of an empty table. On a phone it scrolls sideways inside a focusable, labelled region,
 * so keyboard users can scroll it too; a `stacked` table shows each row as a card instead (each
 * cell under its header's name), for tables whose last columns hold a row's actions, which a
 * person would otherwise have to scroll sideways to find.
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
  stacked = false,
}: {
  readonly caption: string;
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  /** What the empty state says (and may offer) when there are no rows. */
  readonly empty: ComponentChildren;
  /** On a phone, one card per row rather than a table that scrolls sideways. */
  readonly stacked?: boolean;
}) {
  const t = useT(appMessages);
  if (rows.length === 0) return <EmptyState>{empty}</EmptyState>;
  // Explicit roles on a stacked table: with its cells displayed as blocks, browsers may stop
  // exposing it as a table otherwise.
  const role = <Name extends string>(name: Name): Name | undefined => (stacked ? name : undefined);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-scroll" aria-label={t('scrollableTable', { caption })} tabIndex={0}>
      <table class={stacked ? 'stacked' : undefined} role={role('table')}>
        <caption>{caption}</caption>
        <thead role={role('rowgroup')}>
          <tr role={role('row')}>
            {columns.map((column) => (
              <th
                key={column.header}
                scope="col"
                role={role('columnheader')}
                class={column.numeric ? 'numeric' : undefined}
              >
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role={role('rowgroup')}>
          {rows.map((row) => (
            <tr key={rowKey(row)} role={role('row')}>
              {columns.map((column) => (
                <td
                  key={column.header}
                  role={role('cell')}
                  data-label={stacked ? column.header : undefined}
                  class={column.numeric ? 'numeric' : undefined}
                >
                  {/* one box beside the ::before label, however many nodes the cell holds */}
                  {stacked ? <div class="cell-value">{column.cell(row)}</div> : column.cell(row)}
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
