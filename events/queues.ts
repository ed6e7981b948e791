/**
 * Work queues: the one list of them and their limits. Locally each is a MySQL-backed queue of this
 * name (shared/queue/mysql-queue.ts); on OCI, Terraform makes one OCI Queue per entry from
 * infra/oci/catalog.generated.json and hands its OCID to readers and writers as `<NAME>_QUEUE_ID`.
 */
export const QUEUES = {
  transcode: 'transcode',
  settlement: 'settlement',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUES);

export interface QueueSpec {
  readonly purpose: string;
  /**
   * Deliveries before a message is dead-lettered: OCI Queue's deadLetterQueueDeliveryCount and the
   * MySQL adapter's maxDeliveries.
   */
  readonly deadLetterDeliveryCount: number;
}

/**
 * Each queue's purpose and limits. The transcode count is also the default of the transcoder's
 * TRANSCODE_MAX_ATTEMPTS (Terraform's `transcode_max_attempts` sets both); settlement nudges need
 * no more, since the settler sweeps anything a nudge missed.
 */
export const QUEUE_SPECS: Readonly<Record<QueueName, QueueSpec>> = {
  [QUEUES.transcode]: {
    purpose: 'Transcoding jobs, one per uploaded video source; the transcoder pool consumes them.',
    deadLetterDeliveryCount: 5,
  },
  [QUEUES.settlement]: {
    purpose: 'Nudges from print-authorize to the settler after a counted print.',
    deadLetterDeliveryCount: 5,
  },
};
