import type { AuthenticationDetailsProvider } from 'oci-common';
import type { QueueClient } from 'oci-queue';
import { commonJsExports } from '../base/commonjs.ts';
import { lazyOnce } from '../base/lazy.ts';
import {
  type QueueMessage,
  type ReceiveOptions,
  StaleReceiptError,
  validatePut,
  validateReceive,
  validateVisibility,
  type WorkQueue,
} from './work-queue.ts';

/**
 * The work-queue port on OCI Queue. The client talks to the queue's own `messagesEndpoint`
 * (not the regional admin endpoint) and signs with the given provider: resource principals
 * inside OCI Functions and container instances.
 */
export interface OciWorkQueueOptions {
  readonly queueId: string;
  /** The queue's `messagesEndpoint`, e.g. https://cell-1.queue.messaging.<region>.oci.oraclecloud.com */
  readonly messagesEndpoint: string;
  readonly authenticationDetailsProvider: AuthenticationDetailsProvider;
  /** Name for logs and metrics; defaults to the queue OCID. */
  readonly name?: string;
}

/** The OCI Queue service refused or failed a request (other than a stale receipt). */
export class QueueServiceError extends Error {
  readonly status: number | undefined;
  readonly serviceCode: string | undefined;
  constructor(message: string, details: { status?: number; serviceCode?: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'QueueServiceError';
    this.status = details.status;
    this.serviceCode = details.serviceCode;
  }
}

/** The messages API cannot list the dead-letter queue; only its size (getStats) is visible. */
export class QueueOperationNotSupportedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueOperationNotSupportedError';
  }
}

export class OciWorkQueue implements WorkQueue {
  readonly name: string;
  readonly #options: OciWorkQueueOptions;

  constructor(options: OciWorkQueueOptions) {
    this.#options = options;
    this.name = options.name ?? options.queueId;
  }

  async put(contents: readonly string[]): Promise<readonly string[]> {
    validatePut(contents);
    const client = await this.#queueClient();
    const response = await this.#call('putMessages', () =>
      client.putMessages({
        queueId: this.#options.queueId,
        putMessagesDetails: { messages: contents.map((content) => ({ content })) },
      }),
    );
    return response.putMessages.messages.map((message) => String(message.id));
  }

  async receive(options: ReceiveOptions): Promise<readonly QueueMessage[]> {
    validateReceive(options);
    const client = await this.#queueClient();
    const response = await this.#call('getMessages', () =>
      client.getMessages({
        queueId: this.#options.queueId,
        visibilityInSeconds: options.visibilitySeconds,
        // OCI long-polls for 30 s when timeoutInSeconds is absent; the port's default is 0.
        timeoutInSeconds: options.waitSeconds ?? 0,
        limit: options.limit ?? 1,
      }),
    );
    return response.getMessages.messages.map((message) => ({
      id: String(message.id),
      content: message.content,
      receipt: message.receipt,
      deliveryCount: message.deliveryCount,
      // The SDK leaves timestamps as the JSON strings it received, despite the Date typing.
      visibleAfter: new Date(message.visibleAfter),
      expireAfter: new Date(message.expireAfter),
    }));
  }

  async delete(receipt: string): Promise<void> {
    const client = await this.#queueClient();
    await this.#call(
      'deleteMessage',
      () => client.deleteMessage({ queueId: this.#options.queueId, messageReceipt: receipt }),
      true,
    );
  }

  async extendVisibility(receipt: string, visibilitySeconds: number): Promise<void> {
    validateVisibility(visibilitySeconds);
    const client = await this.#queueClient();
    await this.#call(
      'updateMessage',
      () =>
        client.updateMessage({
          queueId: this.#options.queueId,
          messageReceipt: receipt,
          updateMessageDetails: { visibilityInSeconds: visibilitySeconds },
        }),
      true,
    );
  }

  async deadLetters(): Promise<readonly QueueMessage[]> {
    throw new QueueOperationNotSupportedError(
      'OCI Queue does not list dead-lettered messages through its messages API; use stats() for the ' +
        'count and the console (or a purge with purgeType DLQ) to inspect or clear them',
    );
  }

  async stats(): Promise<{ visible: number; inFlight: number; deadLettered: number }> {
    const client = await this.#queueClient();
    const response = await this.#call('getStats', () => client.getStats({ queueId: this.#options.queueId }));
    const { queue, dlq } = response.queueStats;
    return {
      visible: queue.visibleMessages,
      inFlight: queue.inFlightMessages,
      deadLettered: dlq.visibleMessages + dlq.inFlightMessages,
    };
  }

  /** `oci-queue` is imported on first use, keeping it off the function's cold-start path. */
  readonly #queueClient = lazyOnce(() =>
    import('oci-queue').then((loaded): QueueClient => {
      const { QueueClient } = commonJsExports(loaded);
      const client = new QueueClient({
        authenticationDetailsProvider: this.#options.authenticationDetailsProvider,
      });
      client.endpoint = this.#options.messagesEndpoint.replace(/\/+$/, '');
      return client;
    }),
  );

  async #call<T>(operation: string, request: () => Promise<T>, byReceipt = false): Promise<T> {
    try {
      return await request();
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode;
      const serviceCode = (err as { serviceCode?: unknown }).serviceCode;
      // OCI answers 404 for a receipt that no longer names a current delivery (deleted, or
      // redelivered with a newer receipt). Not verified against the live service for every case.
      if (byReceipt && status === 404) throw new StaleReceiptError(undefined, { cause: err });
      throw new QueueServiceError(
        `OCI Queue ${operation} failed${typeof status === 'number' ? ` (${status})` : ''}`,
        {
          ...(typeof status === 'number' ? { status } : {}),
          ...(typeof serviceCode === 'string' ? { serviceCode } : {}),
          cause: err,
        },
      );
    }
  }
}
