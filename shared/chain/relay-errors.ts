/** The dry run reverted; no nonce was taken. `data` is the raw revert data for the contract's decoder. */
export class TransactionRevertedError extends Error {
  readonly data: string;
  readonly purpose: string;
  readonly ref: string;
  constructor(
    message: string,
    details: { data: string; purpose: string; ref: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransactionRevertedError';
    this.data = details.data;
    this.purpose = details.purpose;
    this.ref = details.ref;
  }
}

/** A programming error in the request itself (bad address, calldata, purpose or ref). */
export class RelayRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RelayRequestError';
  }
}

export class UnknownTransactionError extends Error {
  constructor(id: number) {
    super(`No relayed transaction ${id}`);
    this.name = 'UnknownTransactionError';
  }
}
