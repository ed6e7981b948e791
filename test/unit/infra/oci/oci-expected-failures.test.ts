import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { body, loadModule, type TerraformModule } from '#test/support/terraform-hcl.ts';

const MODULES = fileURLToPath(new URL('../../../../infra/oci/modules/', import.meta.url));

/** Terraform for failures that are expected and recover on their own: nobody is paged for them. */
describe('Terraform: expected failures', () => {
  let observability: TerraformModule;
  let storage: TerraformModule;

  beforeAll(async () => {
    observability = await loadModule(`${MODULES}observability`);
    storage = await loadModule(`${MODULES}storage`);
  });

  it('gives the settlement queue (advisory nudges) no dead-letter alarm, and every other queue one', () => {
    // Prepare
    const alarm = body(observability.resources.oci_monitoring_alarm, 'dead_letters');
    const advisory = body(observability.variables, 'advisory_queues');

    // Assess
    expect(advisory.default).toEqual(['settlement']);
    expect(String(alarm.for_each)).toMatch(/if\s+!contains\(var\.advisory_queues,\s*name\)/);
  });

  it('deletes what is left in the raw-video bucket after upload_expiry_days (failed sources included)', () => {
    // Prepare
    const policy = body(storage.resources.oci_objectstorage_object_lifecycle_policy, 'this');
    const locals = storage.locals as { upload_buckets?: string[] };
    const rules = JSON.stringify(policy);

    // Assess
    expect(locals.upload_buckets).toContain('raw-video');
    expect(rules).toContain('expire-abandoned-uploads');
    expect(rules).toContain('var.upload_expiry_days');
  });
});
