/**
 * What the receiver needs from the live-ingest agent, as agreed in the WHIP port note (v1):
 * the agent's key gate and the publish handle of its ladder. Written structurally here so
 * `whip/` compiles on its own; the agent's `ladder.ts` types satisfy these shapes. This is the
 * only file that knows the agent's side.
 */

/** What the ladder's ffmpeg reads (its `-i`); the receiver only ever hands it `sdp`. */
export type LadderInput = { kind: 'url'; url: string } | { kind: 'sdp'; sdpPath: string };

export type EndReason = 'publisher-left' | 'cut' | 'drain' | 'error';

export interface PublishHandle {
  readonly streamId: string;
  readonly session: number;
  /** pid of the ladder's ffmpeg (running when publish() returns). */
  readonly ladderPid: number | undefined;
  /** Aborted when the agent ends the publish (cut, drain, ladder died). */
  readonly cut: AbortSignal;
  /** The receiver ends the publish; the agent stops ffmpeg and reports done. Idempotent. */
  stop(reason: 'publisher-left' | 'error'): Promise<void>;
  /** Settles (never rejects) once the publish is fully finished. */
  readonly finished: Promise<EndReason>;
}

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
