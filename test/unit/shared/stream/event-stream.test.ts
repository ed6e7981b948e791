import { describe, expect, it } from 'vitest';
import { readConfig } from '#shared/config/config.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { ConfigError } from '#shared/errors.ts';
import { STREAM_LIMITS } from '#shared/stream/event-stream.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { eventStreamConfig, eventStreamFromConfig } from '#shared/stream/stream-from-config.ts';
import { partitionOfKey, refusalOf } from '#shared/stream/stream-records.ts';

describe('Function: partitionOfKey', () => {
  it('places a key in the same partition on every call, and within range', () => {
    // Arrange
    const keys = Array.from({ length: 200 }, (_, i) => `design:${i}`);

    // Act
    const first = keys.map((key) => partitionOfKey(key, 4));
    const second = keys.map((key) => partitionOfKey(key, 4));

    // Assess: stable, in range, and spread over every partition.
    expect(second).toEqual(first);
    expect(first.every((partition) => partition >= 0 && partition < 4)).toBe(true);
    expect(new Set(first).size).toBe(4);
  });

  it('does not depend on the process (a fixed key maps to a fixed partition)', () => {
    // The first 32 bits of the key's SHA-256, modulo the partition count.
    expect(partitionOfKey('design:1', 7)).toBe(0x617cd2b8 % 7);
    expect(partitionOfKey('', 3)).toBe(0xe3b0c442 % 3);
  });
});

describe('Function: refusalOf', () => {
  it('accepts a key of exactly 256 bytes and a value of exactly 1 MB', () => {
    // A 4-byte character 64 times is 256 bytes.
    expect(
      refusalOf({ key: '😀'.repeat(64), value: Buffer.alloc(STREAM_LIMITS.maxValueBytes) }),
    ).toBeUndefined();
  });

  it('refuses for good a key over 256 UTF-8 bytes (not characters)', () => {
    expect(refusalOf({ key: `${'😀'.repeat(64)}x`, value: Buffer.alloc(1) })).toMatchObject({
      ok: false,
      retryable: false,
      code: 'KeyTooLarge',
    });
  });

  it('refuses for good a value over 1 MB', () => {
    expect(refusalOf({ key: 'k', value: Buffer.alloc(STREAM_LIMITS.maxValueBytes + 1) })).toMatchObject({
      ok: false,
      retryable: false,
      code: 'MessageTooLarge',
    });
  });
});

describe('Function: eventStreamFromConfig', () => {
  const pool = {} as DbPool;

  it('defaults to the local stream named domain-events with 4 partitions', () => {
    // Act
    const config = readConfig(eventStreamConfig, {});
    const stream = eventStreamFromConfig(config, pool);

    // Assess
    expect(config).toMatchObject({
      STREAM_BACKEND: 'mysql',
      STREAM_NAME: 'domain-events',
      STREAM_PARTITIONS: 4,
    });
    expect(stream).toBeInstanceOf(MySqlEventStream);
    expect(stream.name).toBe('domain-events');
    expect((stream as MySqlEventStream).partitions).toBe(4);
  });

  it('needs a database for the local stream', () => {
    expect(() => eventStreamFromConfig(readConfig(eventStreamConfig, {}), undefined)).toThrow(ConfigError);
  });

  it('needs the stream OCID and messages endpoint on OCI, naming both variables', () => {
    // Arrange
    const config = readConfig(eventStreamConfig, { STREAM_BACKEND: 'oci' });

    // Act
    const failure = (() => {
      try {
        eventStreamFromConfig(config, undefined);
      } catch (err) {
        return err;
      }
    })();

    // Assess
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).variables).toEqual(['STREAM_ID', 'STREAM_MESSAGES_ENDPOINT']);
  });

  it('builds the OCI stream without loading the SDK or resource principals until first use', () => {
    // Arrange
    const config = readConfig(eventStreamConfig, {
      STREAM_BACKEND: 'oci',
      STREAM_ID: 'ocid1.stream.oc1.phx.example',
      STREAM_MESSAGES_ENDPOINT: 'https://cell-1.streaming.us-phoenix-1.oci.oraclecloud.com',
    });

    // Act: no OCI_RESOURCE_PRINCIPAL_* here, so a provider built now would throw.
    const stream = eventStreamFromConfig(config, undefined);

    // Assess
    expect(stream.name).toBe('domain-events');
    expect(stream).not.toBeInstanceOf(MySqlEventStream);
  });

  it('refuses a partition count outside 1 to 50 and an endpoint that is not a URL', () => {
    expect(() => readConfig(eventStreamConfig, { STREAM_PARTITIONS: '0' })).toThrow(ConfigError);
    expect(() => readConfig(eventStreamConfig, { STREAM_PARTITIONS: '51' })).toThrow(ConfigError);
    expect(() => readConfig(eventStreamConfig, { STREAM_MESSAGES_ENDPOINT: 'cell-1' })).toThrow(ConfigError);
  });
});
