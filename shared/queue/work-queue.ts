/**
 * Work queue port with OCI Queue semantics: a received message is invisible for
 * `visibilitySeconds`; it must be deleted by its receipt or it is redelivered; each delivery
 * bumps `deliveryCount`; past the queue's dead-letter threshold it moves to the dead-letter queue.
 */
export interface QueueMessage {
  readonly id: string;
  readonly content: string;
  /** Opaque handle valid for this delivery only; a newer delivery invalidates it. */
  readonly receipt: string;
  readonly deliveryCount: number;
  readonly visibleAfter: Date;
  readonly expireAfter: Date;
}

export interface ReceiveOptions {
  /** How long received messages stay invisible to other consumers. */
  readonly visibilitySeconds: number;
  /** Long-poll: wait up to this long for a message (0 = return at once). */
  readonly waitSeconds?: number;
  readonly limit?: number;
}

export interface WorkQueue {
  readonly name: string;
  put(contents: readonly string[]): Promise<readonly string[]>;
  receive(options: ReceiveOptions): Promise<readonly QueueMessage[]>;
  /** Acknowledge: delete by receipt. Throws StaleReceiptError when the receipt is no longer current. */
  delete(receipt: string): Promise<void>;
  /** Heartbeat: make the message invisible for another `visibilitySeconds` from now. */
  extendVisibility(receipt: string, visibilitySeconds: number): Promise<void>;
  /** Dead-lettered messages, for operators and tests. */
  deadLetters(limit?: number): Promise<readonly QueueMessage[]>;
  stats(): Promise<{ visible: number; inFlight: number; deadLettered: number }>;
}

export class StaleReceiptError extends Error {
  constructor(message = 'The receipt is no longer valid for this message', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StaleReceiptError';
  }
}

/** A request outside OCI Queue's limits; both adapters enforce them so local runs fail like production. */
export class QueueRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueRequestError';
  }
}

/** OCI Queue service limits (messages per put, message size, visibility, long-poll, batch). */
export const QUEUE_LIMITS = {
  maxMessagesPerPut: 20,
  maxContentBytes: 128 * 1024,
  maxVisibilitySeconds: 43_200,
  maxWaitSeconds: 30,
  maxReceiveLimit: 20,
} as const;

export function validatePut(contents: readonly string[]): void {
  if (contents.length === 0 || contents.length > QUEUE_LIMITS.maxMessagesPerPut) {
    throw new QueueRequestError(`put takes 1 to ${QUEUE_LIMITS.maxMessagesPerPut} messages`);
  }
  for (const content of contents) {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes === 0 || bytes > QUEUE_LIMITS.maxContentBytes) {
      throw new QueueRequestError(`A message must be 1 to ${QUEUE_LIMITS.maxContentBytes} bytes`);
    }
  }
}

export function validateVisibility(visibilitySeconds: number): void {
  if (!isIntegerIn(visibilitySeconds, 0, QUEUE_LIMITS.maxVisibilitySeconds)) {
    throw new QueueRequestError(
      `visibilitySeconds must be an integer from 0 to ${QUEUE_LIMITS.maxVisibilitySeconds}`,
    );
  }
}

export function validateReceive(options: ReceiveOptions): void {
  validateVisibility(options.visibilitySeconds);
  if (
    options.waitSeconds !== undefined &&
    !isIntegerIn(options.waitSeconds, 0, QUEUE_LIMITS.maxWaitSeconds)
  ) {
    throw new QueueRequestError(`waitSeconds must be an integer from 0 to ${QUEUE_LIMITS.maxWaitSeconds}`);
  }
  if (options.limit !== undefined && !isIntegerIn(options.limit, 1, QUEUE_LIMITS.maxReceiveLimit)) {
    throw new QueueRequestError(`limit must be an integer from 1 to ${QUEUE_LIMITS.maxReceiveLimit}`);
  }
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
