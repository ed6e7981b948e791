import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

/**
 * Terraform configuration as @cdktf/hcl2json renders it: every block is a list (a block may
 * repeat), expressions are strings wrapped in `${...}`. These helpers read a module folder and
 * check it; the checks return findings instead of asserting, so a test can run them on a bad
 * snippet and see them fire.
 */
export type Hcl = Record<string, unknown>;
type Blocks = Record<string, Hcl[]>;

export interface TerraformModule {
  readonly dir: string;
  readonly files: readonly string[];
  readonly variables: Blocks;
  readonly resources: Record<string, Blocks>;
  readonly data: Record<string, Blocks>;
  readonly modules: Blocks;
  readonly locals: Hcl;
  readonly outputs: Blocks;
}

export async function parseHcl(name: string, text: string): Promise<Hcl> {
  return (await parse(name, text)) as Hcl;
}

export async function loadModule(dir: string): Promise<TerraformModule> {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.tf'))
    .sort();
  const parsed = await Promise.all(
    files.map((file) => parseHcl(file, readFileSync(path.join(dir, file), 'utf8'))),
  );
  return { dir, files, ...mergeParsed(parsed) };
}

export function mergeParsed(parsed: readonly Hcl[]): Omit<TerraformModule, 'dir' | 'files'> {
  const variables: Blocks = {};
  const resources: Record<string, Blocks> = {};
  const data: Record<string, Blocks> = {};
  const modules: Blocks = {};
  const outputs: Blocks = {};
  let locals: Hcl = {};
  for (const doc of parsed) {
    Object.assign(variables, doc.variable ?? {});
    Object.assign(modules, doc.module ?? {});
    Object.assign(outputs, doc.output ?? {});
    for (const [type, byName] of Object.entries((doc.resource ?? {}) as Record<string, Blocks>)) {
      resources[type] = { ...(resources[type] ?? {}), ...byName };
    }
    for (const [type, byName] of Object.entries((doc.data ?? {}) as Record<string, Blocks>)) {
      data[type] = { ...(data[type] ?? {}), ...byName };
    }
    for (const block of (doc.locals ?? []) as Hcl[]) locals = { ...locals, ...block };
  }
  return { variables, resources, data, modules, locals, outputs };
}

/** The one body of a named block (`resource "t" "n" {}` parses as a one-element list). */
export function body(blocks: Blocks | undefined, name: string): Hcl {
  const list = blocks?.[name];
  if (list?.length !== 1 || !list[0]) throw new Error(`expected exactly one block ${name}`);
  return list[0];
}

/** Every string anywhere under `value` (expressions included, as their source text). */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

export function variablesWithoutDescription(module: Pick<TerraformModule, 'variables'>): string[] {
  return Object.entries(module.variables)
    .filter(([, blocks]) => {
      const description = blocks[0]?.description;
      return typeof description !== 'string' || description.trim() === '';
    })
    .map(([name]) => name);
}

/** Arguments of a module call that are not variables of the module, and required variables not passed. */
export function moduleCallMismatches(
  call: Hcl,
  target: Pick<TerraformModule, 'variables'>,
): { undeclared: string[]; missing: string[] } {
  const meta = new Set(['source', 'count', 'for_each', 'providers', 'depends_on', 'version']);
  const passed = Object.keys(call).filter((key) => !meta.has(key));
  const declared = Object.keys(target.variables);
  return {
    undeclared: passed.filter((key) => !declared.includes(key)),
    missing: declared.filter(
      (name) => !('default' in (target.variables[name]?.[0] ?? {})) && !passed.includes(name),
    ),
  };
}

interface PortRange {
  readonly min?: number;
  readonly max?: number;
}

function portRange(rule: Hcl): PortRange | undefined {
  const tcp = (rule.tcp_options as Hcl[] | undefined)?.[0];
  if (!tcp) return undefined;
  const nested = (tcp.destination_port_range as Hcl[] | undefined)?.[0];
  const range = (nested ?? tcp) as PortRange;
  return range.min === undefined ? undefined : range;
}

const OPEN_WORLD = '0.0.0.0/0';
/** Only HTTPS may be open to the world; port 80 is not served (API Gateway terminates TLS). */
const WORLD_PORTS = new Set([443]);

/**
 * Ingress from 0.0.0.0/0 allowed only on 443 and only on the named public NSG / security list.
 * Returns a description of each violation.
 */
export function worldIngressViolations(
  resources: Record<string, Blocks>,
  allowed: { readonly nsg: string; readonly securityList: string },
): string[] {
  const findings: string[] = [];
  const check = (where: string, rule: Hcl, isPublic: boolean) => {
    if (rule.source !== OPEN_WORLD) return;
    const range = portRange(rule);
    const ok = isPublic && range !== undefined && range.min === range.max && WORLD_PORTS.has(range.min ?? -1);
    if (!ok) findings.push(`${where}: ingress from ${OPEN_WORLD} on ${JSON.stringify(range ?? 'all ports')}`);
  };
  for (const [name, [rule]] of Object.entries(
    resources.oci_core_network_security_group_security_rule ?? {},
  )) {
    if (rule?.direction !== 'INGRESS') continue;
    const isPublic =
      rule.network_security_group_id === `\${oci_core_network_security_group.${allowed.nsg}.id}`;
    check(`nsg rule ${name}`, rule, isPublic);
  }
  for (const [name, [list]] of Object.entries(resources.oci_core_security_list ?? {})) {
    for (const rule of (list?.ingress_security_rules ?? []) as Hcl[]) {
      const isPublic = name === allowed.securityList || name.endsWith(`:${allowed.securityList}`);
      check(`security list ${name}`, rule, isPublic);
    }
  }
  for (const [name, [list]] of Object.entries(resources.oci_core_default_security_list ?? {})) {
    for (const rule of (list?.ingress_security_rules ?? []) as Hcl[])
      check(`default security list ${name}`, rule, false);
  }
  return findings;
}

/**
 * IAM statements that grant too much: anything on all-resources, any-user not narrowed to one
 * Resource Scheduler principal, and object or secret access without a `where` clause.
 */
export function policyViolations(statements: readonly string[]): string[] {
  return statements.flatMap((statement) => {
    const text = statement.toLowerCase().replace(/\s+/g, ' ');
    const findings: string[] = [];
    if (/\ball-resources\b/.test(text)) findings.push(`all-resources: ${statement}`);
    if (
      /\bany-user\b/.test(text) &&
      !(/request\.principal\.type = 'resourceschedule'/.test(text) && /request\.principal\.id = '/.test(text))
    ) {
      findings.push(`any-user not narrowed to one schedule principal: ${statement}`);
    }
    if (
      /\bto \w+ (objects|object-family|buckets|secret-bundles|secret-family|secrets)\b/.test(text) &&
      !/ where /.test(text)
    ) {
      findings.push(`object or secret access without a where clause: ${statement}`);
    }
    if (/\bto manage (all-resources|[a-z-]+-family)\b/.test(text) && !/ where /.test(text)) {
      findings.push(`manage on a whole family without a where clause: ${statement}`);
    }
    return findings;
  });
}

/**
 * Every statement of every oci_identity_policy. Statements built by expressions (for, concat)
 * come back as one source text; each `Allow ...` template in it is one statement.
 */
export function policyStatements(resources: Record<string, Blocks>): string[] {
  return Object.values(resources.oci_identity_policy ?? {})
    .flatMap(([policy]) => strings(policy?.statements))
    .flatMap((text) => text.match(/\bAllow [^"]*/g) ?? [text]);
}
