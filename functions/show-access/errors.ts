import { AppError } from '../../shared/errors.ts';

/** Access refused for a reason the viewer can act on; `code` is the stable machine-readable member. */
export class AccessRefusedError extends AppError {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly code: string;

  constructor(status: number, code: string, title: string, message: string) {
    super(message, { extensions: { code } });
    this.status = status;
    this.code = code;
    this.slug = code.replaceAll('_', '-');
    this.title = title;
  }
}

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
