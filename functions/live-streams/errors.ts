import { CodedProblemError } from '#shared/errors.ts';

/**
 * A creator's request the stream's state refuses; `code` is the stable machine-readable member
 * (snake_case like the other public refusals; `show_cancelled` is show-access's problem too).
 */
export class LiveStreamRefusedError extends CodedProblemError {}

export const showHasVideo = () =>
  new LiveStreamRefusedError(
    409,
    'show_has_video',
    'The show already has a video',
    'A show has one video; this show’s is already set. Create the stream without a show, or for another show.',
  );

export const showCancelled = () =>
  new LiveStreamRefusedError(409, 'show_cancelled', 'Show cancelled', 'The show has been cancelled.');

export const streamEnded = () =>
  new LiveStreamRefusedError(
    410,
    'stream_ended',
    'The stream has ended',
    'The stream has ended (or is ending) and cannot take a new key; create a new stream.',
  );
