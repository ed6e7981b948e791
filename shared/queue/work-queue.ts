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
