// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions are `${...}` strings.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '#functions/index.ts';
import { SECRET_CONFIG_KEYS } from '#shared/config/secret-keys.ts';
import { METRIC_CATALOG } from '#shared/metrics/metrics.ts';
import { terraformFmtFindings } from '#test/support/terraform-fmt.ts';
import {
  body,
  type Hcl,
  loadModule,
  mergeParsed,
  moduleCallMismatches,
  parseHcl,
  policyStatements,
  policyViolations,
  strings,
  type TerraformModule,
  variablesWithoutDescription,
  worldIngressViolations,
} from '#test/support/terraform-hcl.ts';
import { buildOciCatalog } from '../../../../scripts/generate-oci-catalog.ts';

const ROOT = fileURLToPath(new URL('../../../../infra/oci/', import.meta.url));
const MODULE_NAMES = readdirSync(`${ROOT}modules`).sort();
const built = buildOciCatalog();

let root: TerraformModule;
const modules: Record<string, TerraformModule> = {};
let all: Pick<TerraformModule, 'resources'>;

beforeAll(async () => {
  root = await loadModule(ROOT);
  for (const name of MODULE_NAMES) modules[name] = await loadModule(`${ROOT}modules/${name}`);
  const merged: TerraformModule['resources'] = {};
  for (const module of [root, ...Object.values(modules)]) {
    for (const [type, byName] of Object.entries(module.resources)) {
      for (const [name, blocks] of Object.entries(byName))
        merged[type] = { ...merged[type], [`${module.dir}:${name}`]: blocks };
    }
  }
  all = { resources: merged };
});

const mod = (name: string) => {
  const found = modules[name];
  if (!found) throw new Error(`no module ${name}`);
  return found;
};

describe('infra/oci parses and is consistent', () => {
  it('has the conventional layout: root files and main/variables/outputs in every module', () => {
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'])
      expect(root.files).toContain(file);
    expect(MODULE_NAMES).toEqual(
      expect.arrayContaining([
        'api_gateway',
        'database',
        'events',
        'functions',
        'iam',
        'network',
        'observability',
      ]),
    );
    for (const name of MODULE_NAMES)
      expect(mod(name).files).toEqual(['main.tf', 'outputs.tf', 'variables.tf']);
  });

  it('rejects HCL that does not parse (the parser is not lenient)', async () => {
    await expect(parseHcl('bad.tf', 'resource "a" "b" {\n  x = \n')).rejects.toThrow(/parse config/);
  });

  it('describes every variable, in the root and in every module', () => {
    expect(variablesWithoutDescription(root)).toEqual([]);
    for (const name of MODULE_NAMES) expect(variablesWithoutDescription(mod(name)), name).toEqual([]);
  });

  it('notices a variable without a description', async () => {
    const bad = mergeParsed([
      await parseHcl('v.tf', 'variable "a" {\n  type = string\n}\nvariable "b" {\n  description = " "\n}\n'),
    ]);
    expect(variablesWithoutDescription(bad)).toEqual(['a', 'b']);
  });

  it('marks secret variables sensitive', () => {
    const secretVariables = [
      ...SECRET_CONFIG_KEYS.map((key) => key.toLowerCase()),
      'mysql_admin_password',
    ].filter((name) => name in root.variables);
    expect(secretVariables.length).toBeGreaterThan(8);
    for (const name of secretVariables) expect(root.variables[name]?.[0]?.sensitive, name).toBe(true);
  });

  it('calls every module with exactly its variables, all required ones passed', () => {
    expect(Object.keys(root.modules).sort()).toEqual(MODULE_NAMES);
    for (const [name, [call]] of Object.entries(root.modules)) {
      expect(call?.source).toBe(`./modules/${name}`);
      expect(moduleCallMismatches(call as Hcl, mod(name)), name).toEqual({ undeclared: [], missing: [] });
    }
  });

  it('notices a module call with an unknown argument or a missing variable', async () => {
    const target = mergeParsed([
      await parseHcl(
        'v.tf',
        'variable "a" {\n  description = "x"\n}\nvariable "b" {\n  description = "y"\n  default = 1\n}\n',
      ),
    ]);
    expect(moduleCallMismatches({ source: './m', c: 1 }, target)).toEqual({
      undeclared: ['c'],
      missing: ['a'],
    });
  });
});

describe('infra/oci declares what the code uses, from the generated catalog', () => {
  it('reads catalog.generated.json and hands its sections to the modules instead of re-listing them', () => {
    expect(strings(root.locals.catalog)).toEqual([
      '${jsondecode(file("${path.module}/catalog.generated.json"))}',
    ]);
    const passes = (module: string, argument: string, expression: string) =>
      expect(body(root.modules, module)[argument], `${module}.${argument}`).toBe(`\${${expression}}`);
    passes('functions', 'functions', 'local.catalog.functions');
    passes('api_gateway', 'routes', 'local.catalog.routes');
    passes('api_gateway', 'root_deployments', 'local.catalog.rootDeployments');
    passes('api_gateway', 'auth_context_headers', 'local.catalog.authContextHeaders');
    passes('events', 'topics', 'local.catalog.topics');
    passes('schedules', 'schedules', 'local.catalog.schedules');
    passes('storage', 'buckets', 'local.catalog.buckets');
    passes('queue', 'queues', 'local.catalog.queues');
    passes('vault', 'secret_keys', 'local.catalog.secretKeys');
    passes('iam', 'functions', 'local.catalog.functions');
    expect(strings(root.locals.event_rules).join()).toContain('local.catalog.eventRules');
  });

  it('makes one resource per catalog entry with for_each', () => {
    const forEach = (module: string, type: string, name: string) =>
      body(mod(module).resources[type], name).for_each;
    expect(forEach('functions', 'oci_functions_function', 'this')).toBe('${var.functions}');
    expect(forEach('events', 'oci_events_rule', 'function')).toBe('${var.event_rules}');
    expect(forEach('events', 'oci_ons_notification_topic', 'this')).toBe('${var.topics}');
    expect(forEach('schedules', 'oci_resource_scheduler_schedule', 'this')).toBe('${var.schedules}');
    expect(forEach('storage', 'oci_objectstorage_bucket', 'this')).toBe('${var.buckets}');
    expect(forEach('queue', 'oci_queue_queue', 'this')).toBe('${var.queues}');
    expect(forEach('vault', 'oci_vault_secret', 'config')).toBe('${toset(var.secret_keys)}');
    expect(forEach('iam', 'oci_identity_policy', 'function')).toBe('${local.function_statements}');
    const routes = body(mod('api_gateway').resources.oci_apigateway_deployment, 'api').specification as Hcl[];
    expect((routes[0]?.dynamic as Hcl | undefined)?.routes).toEqual([
      expect.objectContaining({ for_each: '${var.routes}' }),
    ]);
  });

  it('has every function, route (root ones included), rule, queue, topic and secret of the code in the catalog', () => {
    expect(Object.keys(built.functions).sort()).toEqual(catalog.map((entry) => entry.manifest.name).sort());
    const declaredRoutes = catalog.flatMap(({ manifest }) =>
      manifest.routes.map((route) => `${route.method} ${route.path}`),
    );
    const catalogRoutes = [
      ...Object.values(built.routes).map((route) => `${route.method} ${route.path}`),
      ...Object.values(built.rootDeployments).flatMap((deployment) =>
        Object.values(deployment.routes).map(
          (route) => `${route.method} ${deployment.pathPrefix}${route.path}`,
        ),
      ),
    ];
    expect(catalogRoutes.sort()).toEqual(declaredRoutes.sort());
    expect(Object.keys(built.eventRules).length).toBe(
      catalog.reduce((n, { manifest }) => n + manifest.events.length, 0),
    );
    expect(Object.keys(built.queues).sort()).toEqual(['settlement', 'transcode']);
    expect(Object.keys(built.topics)).toContain('transcode-backlog');
    const used = new Set(
      [
        ...catalog.flatMap(({ manifest }) => manifest.config),
        ...built.workers.transcoder.secretConfigKeys,
      ].filter((key) => (SECRET_CONFIG_KEYS as readonly string[]).includes(key)),
    );
    expect([...built.secretKeys].sort()).toEqual([...used].sort());
  });

  it('gives each secret key a value, a Vault secret and a <KEY>_SECRET_OCID mapping', () => {
    const values = Object.keys(root.locals.secret_values as Hcl);
    for (const key of built.secretKeys) expect(values, key).toContain(key);
    const secret = body(mod('vault').resources.oci_vault_secret, 'config');
    expect(strings(secret.secret_content).join()).toContain('base64encode(var.secret_values[each.key])');
    expect(strings(mod('functions').locals.function_config).join()).toContain(
      '"${key}_SECRET_OCID" => var.secret_ocids[key] }',
    );
    expect(strings(root.locals.transcoder_environment).join()).toContain(
      '"${key}_SECRET_OCID" => module.vault.secret_ocids[key]',
    );
  });

  it('supplies every plain config key a function or the worker reads, or leaves it to the code on purpose', () => {
    const supplied = new Set([
      ...Object.keys(root.locals.platform_config as Hcl),
      ...Object.keys(root.locals.metrics_config as Hcl),
      ...(root.locals.code_default_keys as string[]),
    ]);
    const read = new Set([
      ...Object.values(built.functions).flatMap((fn) => fn.plainConfigKeys),
      ...built.workers.transcoder.plainConfigKeys,
      ...built.metricsConfigKeys,
    ]);
    expect([...read].filter((key) => !supplied.has(key))).toEqual([]);
    for (const key of Object.keys(root.locals.platform_config as Hcl)) {
      expect((SECRET_CONFIG_KEYS as readonly string[]).includes(key), `${key} is a secret`).toBe(false);
    }
  });

  it('feeds transcode_max_attempts to the queue and to TRANSCODE_MAX_ATTEMPTS', () => {
    expect((root.locals.platform_config as Hcl).TRANSCODE_MAX_ATTEMPTS).toBe(
      '${tostring(var.transcode_max_attempts)}',
    );
    expect(body(root.modules, 'queue').dead_letter_delivery_counts).toEqual({
      transcode: '${var.transcode_max_attempts}',
    });
  });

  it('keeps the pool members tagged, on A1 Flex, with their power state left to the scaler', () => {
    const member = body(
      mod('transcoder_pool').resources.oci_container_instances_container_instance,
      'member',
    );
    expect(member.shape).toBe('CI.Standard.A1.Flex');
    expect(member.count).toBe('${var.pool_max}');
    expect(member.freeform_tags).toEqual({ 'forgecast-pool': 'transcoder' });
    expect((member.lifecycle as Hcl[])[0]?.ignore_changes).toEqual(['${state}']);
    const subscription = body(mod('events').resources.oci_ons_subscription, 'function');
    expect(subscription.protocol).toBe('ORACLE_FUNCTIONS');
  });
});

describe('infra/oci matches the documented OCI contracts it relies on (infra/oci/README.md)', () => {
  const alarm = (module: string, name: string) =>
    body(mod(module).resources.oci_monitoring_alarm, name) as { namespace?: string; query?: string };

  it('wakes the scaler on the transcode queue depth, filtered by the queue alone so a wrong dimension cannot mute it', () => {
    const backlog = alarm('transcoder_pool', 'backlog');
    expect(backlog.namespace).toBe('oci_queue');
    expect(backlog.query).toMatch(
      /^MessagesInQueueCount\[1m\]\{resourceId = "\$\{var\.transcode_queue_id\}"\}\.grouping\(\)\.max\(\) > /,
    );
    expect(body(mod('transcoder_pool').resources.oci_monitoring_alarm, 'backlog').message_format).toBe('RAW');
  });

  it('counts gateway 5xx with the documented oci_apigateway metric and dimensions', () => {
    const gateway = alarm('observability', 'gateway_5xx');
    expect(gateway.namespace).toBe('oci_apigateway');
    expect(gateway.query).toContain(
      'HttpResponses[5m]{resourceId = "${var.gateway_id}", httpStatusCategory = "5xx"}',
    );
  });

  it('gives the transcoders longer to stop than their own shutdown grace, by default and by precondition', () => {
    const defaultOf = (name: string) => root.variables[name]?.[0]?.default;
    const grace = defaultOf('transcoder_shutdown_grace_seconds');
    const timeout = defaultOf('transcoder_graceful_shutdown_seconds');
    expect(typeof grace).toBe('number');
    expect(timeout).toBeGreaterThan(grace as number);
    // The worker's own default, so a change there cannot silently overtake the container's timeout.
    expect(grace).toBe(25);
    expect(
      readFileSync(new URL('../../../../workers/transcoder/config.ts', import.meta.url), 'utf8'),
    ).toContain('SHUTDOWN_GRACE_SECONDS: seconds(0, 3_600, 25)');
    expect((root.locals.platform_config as Hcl).SHUTDOWN_GRACE_SECONDS).toBe(
      '${tostring(var.transcoder_shutdown_grace_seconds)}',
    );
    const member = body(
      mod('transcoder_pool').resources.oci_container_instances_container_instance,
      'member',
    );
    expect(member.graceful_shutdown_timeout_in_seconds).toBe('${var.graceful_shutdown_seconds}');
    const preconditions = (member.lifecycle as Hcl[])[0]?.precondition as Hcl[];
    expect(preconditions.map((p) => p.condition)).toContain(
      '${var.graceful_shutdown_seconds > var.shutdown_grace_seconds}',
    );
    expect(body(root.modules, 'transcoder_pool').shutdown_grace_seconds).toBe(
      '${var.transcoder_shutdown_grace_seconds}',
    );
  });

  it('passes each schedule tick as the BODY parameter of a START_RESOURCE schedule, and grants only that schedule', () => {
    const schedule = body(mod('schedules').resources.oci_resource_scheduler_schedule, 'this');
    expect(schedule.action).toBe('START_RESOURCE');
    expect(schedule.recurrence_type).toBe('CRON');
    const [resource] = schedule.resources as Hcl[];
    const [parameters] = (resource?.parameters ?? []) as Hcl[];
    expect(parameters).toEqual({ parameter_type: 'BODY', value: '${jsonencode(each.value.tick)}' });
    const grants = policyStatements(mod('iam').resources).filter((s) => s.includes('resourceschedule'));
    expect(grants).toEqual([
      "Allow any-user to manage functions-family in ${local.compartment} where all {request.principal.type = 'resourceschedule', request.principal.id = '${id}'}",
    ]);
  });

  it('alarms on the outbox relay by the metric names the relay records: lag, silence, dead letters', () => {
    // Arrange
    const observability = readFileSync(`${ROOT}modules/observability/main.tf`, 'utf8');
    const outboxBlock = observability.slice(observability.indexOf('outbox_alarms = {'));

    // Act: every metric an outbox alarm queries.
    const queried = [...outboxBlock.matchAll(/query\s+=\s+"([a-z_]+)\[/g)].map(([, name]) => name);

    // Assess
    expect(queried).toEqual(['outbox_lag_seconds', 'outbox_lag_seconds', 'outbox_dead_lettered']);
    for (const name of queried) expect(Object.keys(METRIC_CATALOG), name).toContain(name);
    expect(outboxBlock).toContain('outbox_lag_seconds[1m].max() > ${var.outbox_lag_seconds}');
    expect(outboxBlock).toContain('outbox_lag_seconds[5m].absent()');
  });

  it('lets only the outbox relay push to the event stream, and only its consumers pull', () => {
    // Arrange: what each function declares in its manifest, through the generated catalog.
    const access = Object.fromEntries(
      Object.entries(built.functions).map(([name, fn]) => [name, fn.eventStream]),
    );
    const publishers = Object.keys(access).filter((name) => access[name] === 'publish');
    const consumers = Object.keys(access)
      .filter((name) => access[name] === 'consume')
      .sort();

    // Assess: one publisher; the consumers named; IAM keyed on exactly that declaration.
    expect(publishers).toEqual(['outbox-relay']);
    expect(consumers).toEqual(expect.arrayContaining(['analytics-forward', 'webhook-dispatch']));
    const iam = readFileSync(`${ROOT}modules/iam/main.tf`, 'utf8');
    // Functions' grants (the Events service's own push of object events is a separate statement).
    const grants = (verb: string) => iam.split(`{local.fn_group} to use ${verb} in`).length - 1;
    expect([grants('stream-push'), grants('stream-pull')]).toEqual([1, 1]);
    expect(iam).toMatch(
      /fn\.eventStream == "publish" \? \[\s*"[^"]*use stream-push in [^"]*target\.stream\.id/,
    );
    expect(iam).toMatch(
      /fn\.eventStream == "consume" \? \[\s*"[^"]*use stream-pull in [^"]*target\.stream\.id/,
    );
  });

  it('uses the documented principals: container instances, API Gateway, Events, and the container IAM type', () => {
    const groups = mod('iam').resources.oci_identity_dynamic_group;
    expect(body(groups, 'workers').matching_rule).toContain("resource.type = 'computecontainerinstance'");
    expect(body(groups, 'gateway').matching_rule).toContain("resource.type = 'ApiGateway'");
    expect(body(groups, 'functions').matching_rule).toContain("resource.type = 'fnfunc'");
    const statements = policyStatements(mod('iam').resources).join('\n');
    expect(statements).toContain('Allow service cloudEvents to use functions-family');
    const scaler = strings(mod('iam').locals.function_statements).join('\n');
    expect(scaler).toContain('to manage compute-container-instances in');
    for (const operation of ['StartContainerInstance', 'StopContainerInstance'])
      expect(scaler).toContain(operation);
  });

  it('checks the MySQL shape against the service instead of trusting a name', () => {
    const shapes = body(mod('database').data.oci_mysql_shapes, 'wanted');
    expect(shapes.name).toBe('${var.shape_name}');
    expect(shapes.is_supported_for).toEqual(['DBSYSTEM']);
    const system = body(mod('database').resources.oci_mysql_mysql_db_system, 'this');
    const preconditions = (system.lifecycle as Hcl[])[0]?.precondition as Hcl[];
    expect(preconditions.map((p) => p.condition)).toContain(
      '${length(data.oci_mysql_shapes.wanted.shapes) > 0}',
    );
  });
});

describe('infra/oci security rules', () => {
  it('opens nothing to 0.0.0.0/0 except 443 on the gateway NSG and the public security list', () => {
    expect(worldIngressViolations(all.resources, { nsg: 'gateway', securityList: 'public' })).toEqual([]);
    const rules = Object.values(mod('network').resources.oci_core_network_security_group_security_rule ?? {});
    expect(
      rules.filter(([rule]) => rule?.direction === 'INGRESS' && rule.source === '0.0.0.0/0'),
    ).toHaveLength(1);
  });

  it('flags world ingress on other ports or other NSGs', async () => {
    const bad = mergeParsed([
      await parseHcl(
        'n.tf',
        `resource "oci_core_network_security_group_security_rule" "ssh" {
  network_security_group_id = oci_core_network_security_group.gateway.id
  direction = "INGRESS"
  source    = "0.0.0.0/0"
  tcp_options {
    destination_port_range {
      min = 22
      max = 22
    }
  }
}
resource "oci_core_network_security_group_security_rule" "db" {
  network_security_group_id = oci_core_network_security_group.database.id
  direction = "INGRESS"
  source    = "0.0.0.0/0"
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}
resource "oci_core_security_list" "app" {
  ingress_security_rules {
    protocol = "all"
    source   = "0.0.0.0/0"
  }
}
`,
      ),
    ]);
    expect(worldIngressViolations(bad.resources, { nsg: 'gateway', securityList: 'public' })).toHaveLength(3);
  });

  it('grants nothing on all-resources, no unscoped any-user, no object or secret access without where', () => {
    const statements = policyStatements(all.resources);
    expect(statements.length).toBeGreaterThan(10);
    expect(policyViolations(statements)).toEqual([]);
    expect(statements.some((s) => s.includes("target.metrics.namespace = '${var.metrics_namespace}'"))).toBe(
      true,
    );
  });

  it('flags over-broad statements, and passes a schedule principal narrowed to its id', () => {
    const bad = [
      'Allow group Admins to manage all-resources in tenancy',
      'Allow any-user to read objects in compartment id x',
      'Allow dynamic-group id x to read secret-bundles in compartment id y',
      'Allow dynamic-group id x to manage object-family in compartment id y',
      "Allow any-user to use functions-family in compartment id c where request.principal.type = 'resourceschedule'",
    ];
    for (const statement of bad) expect(policyViolations([statement]), statement).not.toEqual([]);
    expect(
      policyViolations([
        "Allow any-user to use functions-family in compartment id c where all {request.principal.type = 'resourceschedule', request.principal.id = 'ocid1.x'}",
      ]),
    ).toEqual([]);
  });

  it('keeps buckets private, the database and back-end subnets private', () => {
    const bucket = body(mod('storage').resources.oci_objectstorage_bucket, 'this');
    expect(bucket.access_type).toBe('NoPublicAccess');
    expect(body(root.modules, 'database').subnet_id).toBe('${module.network.database_subnet_id}');
    const subnets = mod('network').resources.oci_core_subnet ?? {};
    for (const name of ['app', 'workers', 'database', 'management']) {
      expect(body(subnets, name).prohibit_public_ip_on_vnic, name).toBe(true);
    }
    expect(body(subnets, 'public').prohibit_public_ip_on_vnic).toBe(false);
  });

  it('lets the gateway set the authorizer context headers the functions read, and clients none of them', () => {
    const spec = JSON.stringify(body(mod('api_gateway').resources.oci_apigateway_deployment, 'api'));
    expect(spec).toContain('$${request.auth[${items.key}]}');
    expect(spec).toContain('OVERWRITE');
    expect(spec).toContain('BLOCK');
    expect(built.authContextHeaders.principal).toBe('x-fc-principal');
  });
});

describe('infra/oci Resource Manager schema', () => {
  it('lists every root variable', () => {
    const schema = readFileSync(`${ROOT}schema.yaml`, 'utf8');
    for (const name of Object.keys(root.variables))
      expect(schema, name).toMatch(new RegExp(`^\\s+${name}:`, 'm'));
  });
});

/** Every .tf file below `dir`, as paths relative to infra/oci. */
function terraformFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : terraformFiles(full);
    return entry.name.endsWith('.tf') ? [path.relative(ROOT, full)] : [];
  });
}

/** The terraform binary on PATH, if any: this machine has none, CI and operators usually do. */
function terraformOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'terraform');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

const terraform = terraformOnPath();

describe('infra/oci is formatted as terraform fmt writes it', () => {
  it('aligns "=" in runs of attributes, indents two spaces per level, and has no stray whitespace', () => {
    const findings = terraformFiles().flatMap((file) =>
      terraformFmtFindings(file, readFileSync(path.join(ROOT, file), 'utf8')),
    );

    expect(findings, 'format these as terraform fmt would').toEqual([]);
  });

  it('notices the layouts terraform fmt rewrites', () => {
    // Prepare: a comment line ends a run of attributes, so the first two align on their own.
    const misaligned = [
      'resource "a" "b" {',
      '  count                                = 1',
      '  compartment_id                       = var.c',
      '  # a comment ends the run',
      '  graceful_shutdown_timeout_in_seconds = 30',
      '   shape = "x"',
      '  tags = {',
      '    a = 1',
      '    bb=2',
      '  }',
      '}',
      '',
    ].join('\n');

    // Act
    const findings = terraformFmtFindings('bad.tf', misaligned);

    // Assess
    expect(findings).toEqual([
      'bad.tf:2: "=" at column 40, terraform fmt aligns this run at 18',
      'bad.tf:3: "=" at column 40, terraform fmt aligns this run at 18',
      'bad.tf:6: indented 3 spaces, terraform fmt uses 2',
      'bad.tf:6: "=" at column 10, terraform fmt aligns this run at 40',
      'bad.tf:9: one space after "=", as terraform fmt writes it',
      'bad.tf:8: "=" at column 7, terraform fmt aligns this run at 8',
      'bad.tf:9: "=" at column 7, terraform fmt aligns this run at 8',
    ]);
  });

  it('accepts what terraform fmt writes: a multi-line value ends a run, nested blocks restart it', () => {
    const formatted = [
      'resource "a" "b" {',
      '  display_name = "x"',
      '  image_url    = var.image',
      '  environment_variables = merge(var.environment, {',
      '    WORKER_ID = "${var.name_prefix}-${count.index}"',
      '    WORK_DIR  = "/scratch"',
      '  })',
      '  query = "a{b = \\"${var.x}\\"} > 1"',
      '  ok    = var.a >= 1 && var.b == "=" ? { for k, v in var.m : k => v } : {}',
      '',
      '  lifecycle {',
      '    ignore_changes = [state]',
      '  }',
      '}',
      '',
    ].join('\n');

    expect(terraformFmtFindings('good.tf', formatted)).toEqual([]);
  });

  it.skipIf(terraform === undefined)(
    `passes terraform fmt -check -recursive infra/oci${terraform === undefined ? ' (skipped: no terraform binary on PATH; the layout checks above still run)' : ''}`,
    () => {
      const result = spawnSync(terraform as string, ['fmt', '-check', '-recursive', '-diff', ROOT], {
        encoding: 'utf8',
        timeout: 60_000,
      });

      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    },
  );
});
