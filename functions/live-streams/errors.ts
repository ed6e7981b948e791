import { CodedProblemError } from '#shared/errors.ts';

/** A creator's request the stream's state refuses; `code` is the stable machine-readable member. */
export class LiveStreamRefusedError extends CodedProblemError {}

export const showHasVideo = () =>
  new LiveStreamRefusedError(
    409,
    'show-has-video',
    'The show already has a video',
    'A show has one video; this show’s is already set. Create the stream without a show, or for another show.',
  );

export const showCancelled = () =>
  new LiveStreamRefusedError(409, 'show-cancelled', 'Show cancelled', 'The show has been cancelled.');

export const streamEnded = () =>
  new LiveStreamRefusedError(
    409,
    'stream-ended',
    'The stream has ended',
    'An ended stream cannot take a new key; create a new stream.',
  );
