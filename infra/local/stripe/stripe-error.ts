/** Stripe's error types (the `error.type` member of every error body). */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

/** An error answer in Stripe's shape: `{ "error": { type, code?, message, param? } }`. */
export class StripeApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  /** Whether an Idempotency-Key remembers this answer (Stripe skips failed validation). */
  readonly saved: boolean;

  constructor(
    status: number,
    type: StripeErrorType,
    message: string,
    details: { code?: string; param?: string; saved?: boolean } = {},
  ) {
    super(message);
    this.name = 'StripeApiError';
    this.status = status;
    this.type = type;
    this.code = details.code;
    this.param = details.param;
    this.saved = details.saved ?? false;
  }

  body(): { error: Record<string, string> } {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code === undefined ? {} : { code: this.code }),
        ...(this.param === undefined ? {} : { param: this.param }),
      },
    };
  }
}

export function invalidParam(param: string, message: string, code = 'parameter_invalid'): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, { code, param });
}

export function missingParam(param: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, {
    code: 'parameter_missing',
    param,
  });
}

export function noSuch(objectName: string, id: string, param: string, status = 404): StripeApiError {
  return new StripeApiError(status, 'invalid_request_error', `No such ${objectName}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}
