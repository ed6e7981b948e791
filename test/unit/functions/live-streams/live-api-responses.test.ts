import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { publishPlan } from '#functions/live-ingest/plan.ts';
import type { doneResponse, publishPlanResponse } from '#functions/live-ingest/responses.ts';
import type { presentStream, presentStreamWithKey } from '#functions/live-streams/present.ts';
import type {
  liveStreamPageResponse,
  liveStreamResponse,
  liveStreamWithKeyResponse,
} from '#functions/live-streams/responses.ts';
import type { LiveStatus } from '#shared/live/live-stream.ts';

/**
 * The live routes' response schemas (the API reference) against what the handlers send, checked
 * by the compiler both ways (`tsc --noEmit`): a presenter that gains, loses or retypes a member
 * fails the typecheck until its schema says the same.
 */
type Sent<T extends z.ZodType> = z.output<T>;
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? true
    : 'the schema lacks a member the code sends, or allows values the code never sends'
  : 'the code sends values the schema does not allow';
const same = <A, B>(verdict: Same<A, B>) => verdict;

describe('Response schemas of the live routes', () => {
  it('match the streams live-streams answers with', () => {
    const checks: true[] = [];
    type Stream = ReturnType<typeof presentStream>;
    checks.push(same<Stream, Sent<typeof liveStreamResponse>>(true));
    checks.push(same<ReturnType<typeof presentStreamWithKey>, Sent<typeof liveStreamWithKeyResponse>>(true));
    checks.push(
      same<{ items: Stream[]; nextCursor: string | null }, Sent<typeof liveStreamPageResponse>>(true),
    );
    expect(checks).toHaveLength(3);
  });

  it('match the plan and answers live-ingest gives the agents', () => {
    const checks: true[] = [];
    checks.push(same<ReturnType<typeof publishPlan>, Sent<typeof publishPlanResponse>>(true));
    checks.push(same<{ status: LiveStatus }, Sent<typeof doneResponse>>(true));
    expect(checks).toHaveLength(2);
  });
});
