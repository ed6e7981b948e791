import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolControlError } from '#shared/pool/container-pool.ts';
import { OciContainerPool } from '#shared/pool/oci-container-pool.ts';
import {
  type FakeContainerInstances,
  startFakeContainerInstances,
} from '#test/support/fake-oci-container-instances.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';

const TAG = { key: 'forgecast-pool', value: 'transcoder' };

describe('Class: OciContainerPool (against the fake Container Instances endpoint)', () => {
  const registered = rsaKeyPair();
  let fake: FakeContainerInstances;
  let compartments = 0;

  /** A compartment of its own per test: three pool members, one stranger, one deleted member. */
  function freshPool(privateKey = registered.privateKey) {
    compartments += 1;
    const compartmentId = `ocid1.compartment.oc1..pool${compartments}`;
    const id = (name: string) => `ocid1.computecontainerinstance.oc1.phx.c${compartments}${name}`;
    fake.addInstance({ id: id('a'), compartmentId, lifecycleState: 'ACTIVE', freeformTags: { ...tagged() } });
    fake.addInstance({
      id: id('b'),
      compartmentId,
      lifecycleState: 'INACTIVE',
      freeformTags: { ...tagged() },
    });
    fake.addInstance({ id: id('c'), compartmentId, lifecycleState: 'FAILED', freeformTags: { ...tagged() } });
    fake.addInstance({
      id: id('d'),
      compartmentId,
      lifecycleState: 'ACTIVE',
      freeformTags: { 'forgecast-pool': 'other' },
    });
    fake.addInstance({
      id: id('e'),
      compartmentId,
      lifecycleState: 'DELETED',
      freeformTags: { ...tagged() },
    });
    const pool = new OciContainerPool({
      compartmentId,
      tag: TAG,
      authenticationDetailsProvider: testAuthProvider(privateKey),
      endpoint: fake.endpoint,
      pageSize: 2,
    });
    return { pool, id };
  }
  const tagged = () => ({ [TAG.key]: TAG.value, team: 'media' });

  beforeAll(async () => {
    fake = await startFakeContainerInstances({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });
  afterAll(async () => {
    await fake?.close();
  });

  describe('Method: list', () => {
    it('lists the tagged members across pages with their states, leaving out strangers and deleted ones', async () => {
      const { pool, id } = freshPool();

      const members = await pool.list();

      expect(members).toEqual([
        { id: id('a'), state: 'running' },
        { id: id('b'), state: 'stopped' },
        { id: id('c'), state: 'failed' },
      ]);
      expect(fake.rejectedRequests).toBe(0);
    });
  });

  describe('Method: start and stop', () => {
    it('moves a member through UPDATING (counted as starting) to running, and back to stopped', async () => {
      // Prepare
      const { pool, id } = freshPool();

      // Act: start the stopped member
      await pool.start(id('b'));
      const whileStarting = await pool.list();
      fake.completeTransitions();
      const started = await pool.list();
      await pool.stop(id('b'));
      fake.completeTransitions();

      // Assess
      expect(whileStarting.find((member) => member.id === id('b'))?.state).toBe('starting');
      expect(started.find((member) => member.id === id('b'))?.state).toBe('running');
      expect(fake.stateOf(id('b'))).toBe('INACTIVE');
      expect(fake.actions.filter((action) => action.id === id('b'))).toEqual([
        { id: id('b'), action: 'start', effective: true },
        { id: id('b'), action: 'stop', effective: true },
      ]);
    });

    it('is idempotent: starting a running or starting member, or stopping a stopped one, changes nothing', async () => {
      const { pool, id } = freshPool();

      await pool.start(id('b'));
      await pool.start(id('b'));
      await pool.start(id('a'));
      await pool.stop(id('c'));

      expect(fake.actions.filter((action) => action.id.includes(`c${compartments}`))).toEqual([
        { id: id('b'), action: 'start', effective: true },
        { id: id('b'), action: 'start', effective: false },
        { id: id('a'), action: 'start', effective: false },
        { id: id('c'), action: 'stop', effective: false },
      ]);
      expect(fake.stateOf(id('a'))).toBe('ACTIVE');
    });

    it('reports an unknown instance and an unsigned caller as PoolControlError with the status', async () => {
      const { pool } = freshPool();
      const { pool: forged } = freshPool(rsaKeyPair().privateKey);

      await expect(pool.start('ocid1.computecontainerinstance.oc1.phx.nope')).rejects.toMatchObject({
        name: 'PoolControlError',
        status: 404,
      });
      const error = await forged.list().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(PoolControlError);
      expect((error as PoolControlError).status).toBe(401);
    });
  });
});
