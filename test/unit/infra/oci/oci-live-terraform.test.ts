// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions are `${...}` strings.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  body,
  type Hcl,
  loadModule,
  policyStatements,
  policyViolations,
  strings,
  type TerraformModule,
} from '#test/support/terraform-hcl.ts';

const ROOT = fileURLToPath(new URL('../../../../infra/oci/', import.meta.url));

let root: TerraformModule;
let live: TerraformModule;
let network: TerraformModule;
let iam: TerraformModule;

beforeAll(async () => {
  [root, live, network, iam] = await Promise.all([
    loadModule(ROOT),
    loadModule(`${ROOT}modules/live_ingest`),
    loadModule(`${ROOT}modules/network`),
    loadModule(`${ROOT}modules/iam`),
  ]);
});

type Rule = Hcl & { tcp_options?: Hcl[]; udp_options?: Hcl[] };

/** An NSG rule's destination port range as `min-max`, from its TCP or UDP options. */
function ports(rule: Rule): string {
  const options = (rule.tcp_options ?? rule.udp_options ?? [])[0] as Hcl | undefined;
  const range = (options?.destination_port_range as Hcl[] | undefined)?.[0];
  return range ? `${range.min}-${range.max}` : 'all';
}

function nsgRules(nsg: string): { name: string; rule: Rule }[] {
  const rules = network.resources.oci_core_network_security_group_security_rule ?? {};
  return Object.entries(rules)
    .filter(
      ([, [rule]]) => rule?.network_security_group_id === `\${oci_core_network_security_group.${nsg}.id}`,
    )
    .map(([name, [rule]]) => ({ name, rule: rule as Rule }));
}

describe('infra/oci live ingest pool (modules/live_ingest)', () => {
  it('runs the ingest image on A1 Flex in its own compartment, subnet and NSG, never the transcoders’', () => {
    // Act
    const call = body(root.modules, 'live_ingest');
    const instance = body(live.resources.oci_container_instances_container_instance, 'ingest');
    const transcoders = body(root.modules, 'transcoder_pool');

    // Assess
    expect(instance.shape).toBe('CI.Standard.A1.Flex');
    expect(instance.count).toBe('${var.pool_size}');
    expect(call.image).toBe('${var.live_ingest_image}');
    expect(call.subnet_id).toBe('${module.network.live_subnet_id}');
    expect(call.nsg_id).toBe('${module.network.live_ingest_nsg_id}');
    expect(call.compartment_ocid).toBe('${local.live_compartment}');
    expect(transcoders.subnet_id).toBe('${module.network.workers_subnet_id}');
    expect(transcoders.nsg_id).toBe('${module.network.workers_nsg_id}');
    const subnet = body(network.resources.oci_core_subnet, 'live');
    expect(subnet.cidr_block).toBe('${local.cidrs.live}');
    // A live pool in the platform compartment would match the transcoders' dynamic group.
    expect(readFileSync(`${ROOT}main.tf`, 'utf8')).toContain(
      'local.live_compartment != var.compartment_ocid',
    );
  });

  it('gives the agent its ports, public host and secrets by reference, never a secret value', () => {
    // Act
    const instance = body(live.resources.oci_container_instances_container_instance, 'ingest');
    const [container] = instance.containers as Hcl[];
    const environment = strings(container?.environment_variables).join('\n');

    // Assess
    expect(environment).toContain('LIVE_PUBLIC_HOST');
    expect(environment).toContain('local.hosts[count.index]');
    expect(environment).toContain('LIVE_INGEST_API_KEY_SECRET_OCID');
    expect(environment).toContain('S3_SECRET_ACCESS_KEY_SECRET_OCID');
    // RTMPS and WHIP over HTTPS end on the instance with the hosts' own certificate, from Vault
    expect(environment).toContain('LIVE_TLS_CERT_PEM_SECRET_OCID');
    expect(environment).toContain('LIVE_TLS_KEY_PEM_SECRET_OCID');
    expect(environment).not.toMatch(
      /var\.(api_key|s3_secret_access_key|tls_certificate_pem|tls_private_key_pem)\b/,
    );
    const [vnic] = instance.vnics as Hcl[];
    expect(vnic?.is_public_ip_assigned).toBe(true);
    const livePorts = root.locals.live_ports as Hcl;
    expect(livePorts).toMatchObject({ rtmp: 1935, rtmps: 443, rtmps_backend: 1936, whip_backend: 8084 });
    // The agent is not root: nothing below 1024 behind the NLB.
    for (const key of ['rtmp_backend', 'rtmps_backend', 'whip_backend'])
      expect(livePorts[key] as number, key).toBeGreaterThanOrEqual(1024);
  });

  it('balances RTMP, RTMPS and WHIP signalling over TCP with the publishers’ addresses preserved', () => {
    // Act
    const nlb = body(live.resources.oci_network_load_balancer_network_load_balancer, 'ingest');
    const sets = body(live.resources.oci_network_load_balancer_backend_set, 'ingest');
    const listeners = body(live.resources.oci_network_load_balancer_listener, 'ingest');

    // Assess
    expect(nlb.is_private).toBe(false);
    expect(nlb.subnet_id).toBe('${var.subnet_id}');
    expect(nlb.network_security_group_ids).toEqual(['${var.nlb_nsg_id}']);
    expect(sets.is_preserve_source).toBe(true);
    expect(sets.for_each).toBe('${local.listeners}');
    expect(listeners.protocol).toBe('TCP');
    expect(Object.keys(live.locals.listeners as Hcl).sort()).toEqual(['rtmp', 'rtmps', 'whip']);
  });

  it('opens the NLB on its listener ports and the instances on their ports and the ICE range, to publishers only', () => {
    // Act
    const nlbIn = nsgRules('live_nlb').filter(({ rule }) => rule.direction === 'INGRESS');
    const ingestIn = nsgRules('live_ingest').filter(({ rule }) => rule.direction === 'INGRESS');
    const workers = nsgRules('workers');

    // Assess
    expect(nlbIn.map(({ name }) => name)).toEqual(['live_nlb_from_publishers']);
    expect(nlbIn[0]?.rule.for_each).toBe('${local.live_listener_rules}');
    expect(nlbIn[0]?.rule.source).toBe('${each.value.cidr}');
    expect(ports(nlbIn[0]?.rule as Rule)).toBe('${each.value.port}-${each.value.port}');
    const byName = Object.fromEntries(ingestIn.map(({ name, rule }) => [name, rule]));
    expect(Object.keys(byName).sort()).toEqual([
      'live_ingest_from_nlb',
      'live_ingest_from_publishers',
      'live_ingest_media_in',
    ]);
    expect(byName.live_ingest_from_publishers?.for_each).toBe('${local.live_backend_rules}');
    expect(byName.live_ingest_media_in?.protocol).toBe('17');
    expect(ports(byName.live_ingest_media_in as Rule)).toBe(
      '${var.live_ice_ports.min}-${var.live_ice_ports.max}',
    );
    expect(byName.live_ingest_from_nlb?.source).toBe('${oci_core_network_security_group.live_nlb.id}');
    // The transcoders' NSG knows nothing of live traffic.
    expect(strings(workers.map(({ rule }) => rule)).join()).not.toContain('live');
    expect(body(root.modules, 'network').live_publisher_cidrs).toBe('${var.live_publisher_cidrs}');
    expect(root.variables.live_publisher_cidrs?.[0]?.default).toEqual(['0.0.0.0/0']);
  });

  it('alarms on playlist lag over 3 s for 2 minutes, and on the instance count', () => {
    // Act
    const lag = body(live.resources.oci_monitoring_alarm, 'playlist_lag');
    const low = body(live.resources.oci_monitoring_alarm, 'instances_low');
    const down = body(live.resources.oci_monitoring_alarm, 'instances_absent');

    // Assess
    expect(lag.namespace).toBe('${var.metrics_namespace}');
    expect(lag.query).toBe('live_playlist_lag_ms[1m].max() > ${var.lag_threshold_seconds * 1000}');
    expect(lag.pending_duration).toBe('PT2M');
    expect(root.variables.live_playlist_lag_threshold_seconds?.[0]?.default).toBe(3);
    expect(body(root.modules, 'live_ingest').lag_threshold_seconds).toBe(
      '${var.live_playlist_lag_threshold_seconds}',
    );
    for (const alarm of [low, down]) {
      expect(alarm.namespace).toBe('oci_computecontainerinstance');
      expect(alarm.metric_compartment_id).toBe('${var.compartment_ocid}');
    }
    expect(low.query).toBe('CpuUtilization[1m].grouping().count() < ${var.pool_size}');
    expect(down.query).toBe('CpuUtilization[1m].grouping().absent()');
  });

  it('grants the pool its four secrets (key, object key, TLS certificate and key) and metrics, and its object user the media bucket without deletes', () => {
    // Act
    const group = body(iam.resources.oci_identity_dynamic_group, 'live_ingest');
    const statements = policyStatements({
      oci_identity_policy: {
        live_ingest: iam.resources.oci_identity_policy?.live_ingest ?? [],
        live_s3: iam.resources.oci_identity_policy?.live_s3 ?? [],
      },
    });
    const agent = strings(body(iam.resources.oci_identity_policy, 'live_ingest').statements).join('\n');
    const objects = strings(body(iam.resources.oci_identity_policy, 'live_s3').statements).join('\n');

    // Assess
    expect(group.matching_rule).toBe(
      "ALL {resource.type = 'computecontainerinstance', resource.compartment.id = '${var.live_compartment_ocid}'}",
    );
    expect(policyViolations(statements)).toEqual([]);
    expect(agent).not.toMatch(/objects|object-family|buckets|queues|keys/);
    expect(agent).toContain('to read secret-bundles');
    expect(objects).toContain(`target.bucket.name = '\${var.bucket_names["media"]}'`);
    expect(objects).toContain("request.permission = 'OBJECT_CREATE'");
    expect(objects).not.toContain('OBJECT_DELETE');
    expect(body(root.modules, 'iam').live_secret_ids).toEqual([
      '${module.live_ingest.api_key_secret_id}',
      '${module.live_ingest.s3_secret_id}',
      '${module.live_ingest.tls_certificate_secret_id}',
      '${module.live_ingest.tls_private_key_secret_id}',
    ]);
  });
});
