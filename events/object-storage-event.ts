import { z } from 'zod';

/**
 * OCI Object Storage event envelope (CloudEvents 0.1, eventTypeVersion 2.0), as OCI Events
 * delivers it to a FAAS action. Parsed defensively: unknown members are kept, older v1.0
 * envelopes that lack `additionalDetails` are refused with a clear reason.
 */
export const OBJECT_EVENT_TYPES = {
  created: 'com.oraclecloud.objectstorage.createobject',
  updated: 'com.oraclecloud.objectstorage.updateobject',
  deleted: 'com.oraclecloud.objectstorage.deleteobject',
} as const;

export type ObjectEventType = (typeof OBJECT_EVENT_TYPES)[keyof typeof OBJECT_EVENT_TYPES];

export const objectStorageEventSchema = z.looseObject({
  eventType: z.enum([OBJECT_EVENT_TYPES.created, OBJECT_EVENT_TYPES.updated, OBJECT_EVENT_TYPES.deleted]),
  cloudEventsVersion: z.string(),
  eventTypeVersion: z.string(),
  source: z.string(),
  eventTime: z.string(),
  contentType: z.string().optional(),
  eventID: z.string().min(1),
  extensions: z.looseObject({ compartmentId: z.string() }).optional(),
  data: z.looseObject({
    compartmentId: z.string().optional(),
    compartmentName: z.string().optional(),
    resourceName: z.string().min(1),
    resourceId: z.string(),
    availabilityDomain: z.string().optional(),
    additionalDetails: z.looseObject({
      bucketName: z.string().min(1),
      namespace: z.string(),
      bucketId: z.string().optional(),
      eTag: z.string().optional(),
      archivalState: z.string().optional(),
    }),
  }),
});

export type ObjectStorageEvent = z.infer<typeof objectStorageEventSchema>;

export interface ObjectEventInput {
  readonly eventType: ObjectEventType;
  readonly namespace: string;
  readonly bucket: string;
  readonly objectName: string;
  readonly eTag: string;
  readonly eventId: string;
  readonly time: Date;
  readonly compartmentId?: string;
  readonly compartmentName?: string;
}

/** Builds the exact envelope OCI emits, for the local object store and for tests. */
export function buildObjectStorageEvent(input: ObjectEventInput): ObjectStorageEvent {
  const compartmentId = input.compartmentId ?? 'ocid1.compartment.oc1..local';
  return {
    eventType: input.eventType,
    cloudEventsVersion: '0.1',
    eventTypeVersion: '2.0',
    source: 'ObjectStorage',
    eventTime: input.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    contentType: 'application/json',
    extensions: { compartmentId },
    eventID: input.eventId,
    data: {
      compartmentId,
      compartmentName: input.compartmentName ?? 'forgecast-local',
      resourceName: input.objectName,
      resourceId: `/n/${input.namespace}/b/${input.bucket}/o/${input.objectName}`,
      availabilityDomain: 'LOCAL-AD-1',
      additionalDetails: {
        bucketName: input.bucket,
        namespace: input.namespace,
        bucketId: `ocid1.bucket.oc1.local.${input.bucket}`,
        eTag: input.eTag,
        archivalState: 'Available',
      },
    },
  };
}

/** What a function subscribes to: object events of one logical bucket, optionally by name. */
export interface ObjectEventTrigger {
  readonly eventTypes: readonly ObjectEventType[];
  /** Logical bucket (see events/buckets.ts); Terraform maps it to the real bucket name. */
  readonly bucket: string;
  /** Only objects whose name matches this OCI condition value (`*` is a wildcard). */
  readonly objectName?: string;
}
