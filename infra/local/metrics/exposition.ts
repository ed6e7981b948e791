/**
 * Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` once per family, then one line
 * per sample; label values escape `\`, `"` and newlines, HELP text escapes `\` and newlines.
 */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export type MetricFamily =
  | {
      readonly name: string;
      readonly type: 'counter';
      readonly help: string;
      readonly samples: ReadonlyArray<{ readonly labels: Labels; readonly value: number }>;
    }
  | {
      readonly name: string;
      readonly type: 'histogram';
      readonly help: string;
      /** Upper bounds of the finite buckets, ascending. */
      readonly bounds: readonly number[];
      readonly samples: ReadonlyArray<{
        readonly labels: Labels;
        /** Per bucket (bounds, then +Inf), not cumulative. */
        readonly buckets: readonly number[];
        readonly sum: number;
        readonly count: number;
      }>;
    };

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${escapeLabelValue(labels[key] as string)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function bySortedLabels<T extends { labels: Labels }>(samples: readonly T[]): T[] {
  const key = (labels: Labels) => labelText(labels);
  return [...samples].sort((a, b) =>
    key(a.labels) < key(b.labels) ? -1 : key(a.labels) > key(b.labels) ? 1 : 0,
  );
}

/** Families in name order, samples in label order, so the text is stable between scrapes. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type === 'counter') {
      for (const sample of bySortedLabels(family.samples))
        lines.push(`${family.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
      continue;
    }
    for (const sample of bySortedLabels(family.samples)) {
      let cumulative = 0;
      family.bounds.forEach((bound, index) => {
        cumulative += sample.buckets[index] ?? 0;
        lines.push(
          `${family.name}_bucket${labelText(sample.labels, ['le', formatValue(bound)])} ${cumulative}`,
        );
      });
      lines.push(`${family.name}_bucket${labelText(sample.labels, ['le', '+Inf'])} ${sample.count}`);
      lines.push(`${family.name}_sum${labelText(sample.labels)} ${formatValue(sample.sum)}`);
      lines.push(`${family.name}_count${labelText(sample.labels)} ${sample.count}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
