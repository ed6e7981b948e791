import { z } from 'zod';
import { LATENCY_BUCKETS_MS } from './buffer.ts';

/**
 * The JSON a `push` backend POSTs to the local collector (METRICS_PUSH_URL): one flush's
 * aggregates. The collector validates it with this schema and refuses anything else.
 */
export const MAX_PUSH_BODY_BYTES = 1024 * 1024;
export const MAX_PUSH_SERIES = 1000;

const name = z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'a metric name in snake_case');
const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/, 'a Prometheus label name')
  .refine((key) => !key.startsWith('__') && key !== 'le', 'a reserved label name');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const pushedSeries = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('counter'),
    name,
    dimensions: z.record(labelName, z.string().max(512)),
    timestamp: z.iso.datetime(),
    sum: z.number().min(0).max(Number.MAX_VALUE),
    count,
  }),
  z.object({
    kind: z.literal('histogram'),
    name,
    dimensions: z.record(labelName, z.string().max(512)),
    timestamp: z.iso.datetime(),
    sum: z.number().min(0).max(Number.MAX_VALUE),
    count,
    /** Observations per bucket of LATENCY_BUCKETS_MS, then +Inf (not cumulative). */
    buckets: z.array(count).length(LATENCY_BUCKETS_MS.length + 1),
  }),
]);

export const pushBodySchema = z.object({
  namespace: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  dropped: count,
  series: z
    .array(pushedSeries)
    .max(MAX_PUSH_SERIES)
    .refine(
      (series) => series.every((s) => Object.keys(s.dimensions).length <= 20),
      'at most 20 dimensions per series',
    ),
});

export type PushBody = z.infer<typeof pushBodySchema>;
export type PushedSeries = PushBody['series'][number];
