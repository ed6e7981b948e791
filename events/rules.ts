import type { ObjectEventTrigger } from './object-storage-event.ts';

/**
 * An OCI Events rule: a condition over the event JSON and the function it invokes. The same
 * objects feed the local event router and the Terraform `oci_events_rule` resources.
 */
export interface EventRule {
  readonly name: string;
  /** OCI condition syntax: mentioned fields must match, arrays are any-of, `*` is a wildcard. */
  readonly condition: EventCondition;
  readonly functionName: string;
}

export type EventCondition = { readonly [field: string]: EventCondition | readonly string[] | string };

/** The part of a function manifest that rules are made from (a structural type: events/ sits below shared/). */
export interface ObjectEventSubscriber {
  readonly name: string;
  readonly events: readonly ObjectEventTrigger[];
}

export function rulesFromManifests(manifests: readonly ObjectEventSubscriber[]): EventRule[] {
  return manifests.flatMap((manifest) =>
    manifest.events.map((trigger) => ({
      name: `${manifest.name}-on-${trigger.bucket}`,
      condition: {
        eventType: [...trigger.eventTypes],
        data: {
          ...(trigger.objectName === undefined ? {} : { resourceName: [trigger.objectName] }),
          additionalDetails: { bucketName: [trigger.bucket] },
        },
      },
      functionName: manifest.name,
    })),
  );
}

/** Evaluates an OCI Events condition against an event; unmentioned fields are ignored. */
export function matchesCondition(condition: EventCondition, event: unknown): boolean {
  if (event === null || typeof event !== 'object') return false;
  const record = event as Record<string, unknown>;
  return Object.entries(condition).every(([field, expected]) => {
    const actual = record[field];
    if (typeof expected === 'string') return matchesValue(expected, actual);
    if (Array.isArray(expected)) return expected.some((candidate: string) => matchesValue(candidate, actual));
    return matchesCondition(expected as EventCondition, actual);
  });
}

function matchesValue(pattern: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  if (!pattern.includes('*')) return pattern === actual;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(actual);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
