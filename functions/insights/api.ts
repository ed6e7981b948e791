import { dayRangeQuerySchema } from '#shared/day-range.ts';
import { DependencyUnavailableError, ForbiddenError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';

const problems = () => [new ForbiddenError(''), new DependencyUnavailableError('')];

/** The insights routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  getCreatorInsights: {
    summary:
      'Your organisation’s shows and videos: tickets, revenue, checkouts, views, unique viewers, watch time',
    description:
      'Per show: checkouts started, orders paid, tickets sold, revenue and refunds per currency (smallest unit). Per video: views, unique viewers, seconds watched, bytes. Totals and one entry per day of the range. Definitions: docs/insights.md.',
    query: dayRangeQuerySchema,
    responses: {
      200: { description: '`range`, `totals`, `shows`, `videos`, `daily`', contentType: 'application/json' },
    },
    problems,
  },
  getDesignerInsights: {
    summary: 'Your organisation’s designs: licenses minted and prints completed',
    description:
      'Per design the organisation owns (whoever issued the license): licenses minted, prints completed, succeeded and counted. Totals and one entry per day. Definitions: docs/insights.md.',
    query: dayRangeQuerySchema,
    responses: {
      200: { description: '`range`, `totals`, `designs`, `daily`', contentType: 'application/json' },
    },
    problems,
  },
  getPlatformInsights: {
    summary: 'The platform’s totals and the funnel from show page to paid order (operators)',
    description:
      'Totals of sales, playback, licenses and prints, the funnel show page views → checkouts started → orders paid with its rates, and one entry per day. Definitions: docs/insights.md.',
    query: dayRangeQuerySchema,
    responses: {
      200: { description: '`range`, `totals`, `funnel`, `daily`', contentType: 'application/json' },
    },
    problems,
  },
} satisfies RouteContracts;
