/**
 * Logical buckets. Locally the bucket name is the logical name; on OCI, Terraform creates
 * `<prefix>-<logical>` and passes the real names to functions through config.
 */
export const BUCKETS = {
  incomingDesigns: 'incoming-designs',
  vault: 'design-vault',
  rawVideo: 'raw-video',
  media: 'media',
} as const;

export type BucketName = (typeof BUCKETS)[keyof typeof BUCKETS];
export const ALL_BUCKETS: readonly BucketName[] = Object.values(BUCKETS);
