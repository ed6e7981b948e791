import { CodedProblemError } from '#shared/errors.ts';

/** Access refused for a reason the viewer can act on; `code` is the stable machine-readable member. */
export class AccessRefusedError extends CodedProblemError {}

export const noValidTicket = () =>
  new AccessRefusedError(
    403,
    'no_valid_ticket',
    'No valid ticket',
    'This needs a valid (not revoked) ticket for the show.',
  );

export const notReady = (detail: string) =>
  new AccessRefusedError(409, 'not_ready', 'Not ready for playback', detail);

export const showCancelled = () =>
  new AccessRefusedError(409, 'show_cancelled', 'Show cancelled', 'The show has been cancelled.');

export const notStarted = () =>
  new AccessRefusedError(
    409,
    'not_started',
    'Not started yet',
    'The live show has not started yet; ask again when it is on.',
  );

export const replayPending = () =>
  new AccessRefusedError(
    409,
    'replay_pending',
    'Replay coming',
    'The live show has ended; its recording is being prepared and will play here shortly.',
  );
