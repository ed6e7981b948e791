import { CodedProblemError } from '#shared/errors.ts';

/** An API key or printer asked for a person's analytics choice: only people have one. */
export class NotAPersonError extends CodedProblemError {
  constructor() {
    super(
      403,
      'not-a-person',
      'Only for people',
      'Only a person signed in to the portal has an analytics choice.',
    );
  }
}
