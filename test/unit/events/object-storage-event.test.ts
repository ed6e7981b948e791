import { describe, expect, it } from 'vitest';
import {
  buildObjectStorageEvent,
  OBJECT_EVENT_TYPES,
  objectStorageEventSchema,
} from '#events/object-storage-event.ts';

const input = {
  eventType: OBJECT_EVENT_TYPES.created,
  namespace: 'forgecast',
  bucket: 'designs-incoming',
  objectName: 'uploads/model.stl',
  eTag: 'etag-1',
  eventId: 'evt-123',
  time: new Date('2025-03-04T05:06:07.890Z'),
};

describe('Function: buildObjectStorageEvent', () => {
  it('builds an envelope that parses with objectStorageEventSchema', () => {
    // Act
    const event = buildObjectStorageEvent(input);
    const parsed = objectStorageEventSchema.safeParse(JSON.parse(JSON.stringify(event)));

    // Assess
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(event);
  });

  it('fills in the OCI fields from the input', () => {
    // Act
    const event = buildObjectStorageEvent({ ...input, compartmentId: 'ocid1.compartment.oc1..abc' });

    // Assess
    expect(event).toMatchObject({
      eventType: 'com.oraclecloud.objectstorage.createobject',
      cloudEventsVersion: '0.1',
      eventTypeVersion: '2.0',
      eventTime: '2025-03-04T05:06:07Z',
      eventID: 'evt-123',
      extensions: { compartmentId: 'ocid1.compartment.oc1..abc' },
      data: {
        compartmentId: 'ocid1.compartment.oc1..abc',
        resourceName: 'uploads/model.stl',
        resourceId: '/n/forgecast/b/designs-incoming/o/uploads/model.stl',
        additionalDetails: { bucketName: 'designs-incoming', namespace: 'forgecast', eTag: 'etag-1' },
      },
    });
  });
});

describe('Const: objectStorageEventSchema', () => {
  it('refuses a v1-style envelope without additionalDetails', () => {
    // Prepare
    const v1 = {
      eventType: OBJECT_EVENT_TYPES.created,
      cloudEventsVersion: '0.1',
      eventTypeVersion: '1.0',
      source: 'objectstorage',
      eventTime: '2019-01-10T21:19:24Z',
      contentType: 'application/json',
      eventID: 'unique-id',
      extensions: { compartmentId: 'ocid1.compartment.oc1..x' },
      data: {
        compartmentId: 'ocid1.compartment.oc1..x',
        compartmentName: 'example',
        resourceName: 'my_object',
        resourceId: '/n/ns/b/bucket/o/my_object',
        availabilityDomain: 'all',
        freeformTags: {},
        definedTags: {},
      },
    };

    // Act
    const parsed = objectStorageEventSchema.safeParse(v1);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['data.additionalDetails']);
  });

  it('refuses an event type it does not handle', () => {
    // Prepare
    const event = {
      ...buildObjectStorageEvent(input),
      eventType: 'com.oraclecloud.objectstorage.createbucket',
    };

    // Act
    const parsed = objectStorageEventSchema.safeParse(event);

    // Assess
    expect(parsed.success).toBe(false);
  });

  it('keeps unknown members', () => {
    // Prepare
    const event = { ...buildObjectStorageEvent(input), futureField: 1 };

    // Act
    const parsed = objectStorageEventSchema.parse(event);

    // Assess
    expect(parsed).toHaveProperty('futureField', 1);
  });
});
