/**
 * What the receiver needs from the live-ingest agent: its key gate and the publish handle of its
 * ladder (the types are the agent's, from ladder.ts). This is the only file of `whip/` that knows
 * the agent's side.
 */

import type { LadderInput, PublishHandle } from '../ladder.ts';

export type { EndReason, LadderInput, PublishHandle } from '../ladder.ts';

export type AuthorizeResult =
  | {
      readonly ok: true;
      readonly streamId: string;
      readonly session: number;
      readonly publish: (input: LadderInput) => PublishHandle;
    }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly detail: string };

export type Authorize = (streamKey: string, info?: { clientIp?: string }) => Promise<AuthorizeResult>;

export type WhipLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;
