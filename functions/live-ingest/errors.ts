import { CodedProblemError } from '#shared/errors.ts';
import { type LiveRefusalCode, REFUSAL_STATUS } from '#shared/live/live-stream.ts';

/**
 * A refusal the ingest agent acts on at once (refuse the publish, or cut the publisher): the
 * problem's `code` is one of the stable LIVE_REFUSALS.
 */
export class LiveIngestRefusedError extends CodedProblemError {
  /** `ingest-<code>`: the agents' codes are their own problem types, apart from the public API's. */
  override readonly slug: string;

  constructor(status: number, code: string, title: string, detail: string) {
    super(status, code, title, detail);
    this.slug = `ingest-${code}`;
  }
}

const TITLES: Readonly<Record<LiveRefusalCode | 'unknown-stream', string>> = {
  'unknown-key': 'Unknown stream key',
  'already-live': 'Already live',
  'stream-ended': 'The stream has ended',
  'show-cancelled': 'Show cancelled',
  'max-duration': 'Maximum duration reached',
  'asset-deleted': 'The stream’s video was deleted',
  'key-rotated': 'The stream key was rotated',
  'session-superseded': 'Session superseded',
  'unknown-stream': 'No such live stream',
};

export function refusal(code: LiveRefusalCode | 'unknown-stream', detail: string): LiveIngestRefusedError {
  const status = code === 'unknown-stream' ? 404 : REFUSAL_STATUS[code];
  return new LiveIngestRefusedError(status, code, TITLES[code], detail);
}

/** Every refusal, for the API reference. */
export const allRefusals = (): LiveIngestRefusedError[] =>
  (Object.keys(TITLES) as Array<keyof typeof TITLES>).map((code) => refusal(code, ''));
