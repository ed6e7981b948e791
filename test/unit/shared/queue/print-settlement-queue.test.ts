import { describe, expect, it } from 'vitest';
import { readConfig } from '#shared/config/config.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { ConfigError } from '#shared/errors.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { queueIdConfig, workQueueConfig, workQueueFromConfig } from '#shared/queue/queue-from-config.ts';

const shape = { ...workQueueConfig, ...queueIdConfig('settlement') };
// Never queried: constructing the queues touches no database.
const pool = {} as DbPool;

describe('Function: workQueueFromConfig', () => {
  it('defaults to the MySQL queue of that name', () => {
    // Prepare
    const config = readConfig(shape, {});

    // Act
    const queue = workQueueFromConfig(config, 'settlement', pool);

    // Assess
    expect(config.QUEUE_BACKEND).toBe('mysql');
    expect(queue).toBeInstanceOf(MySqlWorkQueue);
    expect(queue.name).toBe('settlement');
  });

  it('names the variables OCI Queue needs when they are missing', () => {
    // Prepare
    const config = readConfig(shape, { QUEUE_BACKEND: 'oci' });

    // Act
    let error: unknown;
    try {
      workQueueFromConfig(config, 'settlement', pool);
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['SETTLEMENT_QUEUE_ID', 'QUEUE_MESSAGES_ENDPOINT']);
  });

  it('builds an OCI queue from the OCID and messages endpoint without loading the SDK', () => {
    // Prepare
    const config = readConfig(shape, {
      QUEUE_BACKEND: 'oci',
      SETTLEMENT_QUEUE_ID: 'ocid1.queue.oc1..settlement',
      QUEUE_MESSAGES_ENDPOINT: 'https://cell-1.queue.messaging.eu-frankfurt-1.oci.oraclecloud.com',
    });

    // Act
    const queue = workQueueFromConfig(config, 'settlement', pool);

    // Assess
    expect(queue).not.toBeInstanceOf(MySqlWorkQueue);
    expect(queue.name).toBe('settlement');
  });

  it('refuses an unknown backend when the config is read', () => {
    // Act + Assess
    expect(() => readConfig(shape, { QUEUE_BACKEND: 'kafka' })).toThrow(/QUEUE_BACKEND/);
  });
});
