import { z } from 'zod';
import { DOMAIN_EVENTS, type DomainEvent, type DomainEventType, isDomainEventType } from './catalogue.ts';

/** What the outbox stores for an event once it has been checked against the catalogue. */
export interface DomainEventEnvelope {
  readonly type: DomainEventType;
  readonly version: number;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** Null: the database's clock at the INSERT (the outbox's default for `created_at`). */
  readonly occurredAt: Date | null;
  readonly payload: unknown;
}

/**
 * An event the catalogue refuses: an unknown type, an aggregate it is not written for, or a payload
 * that does not match its schema (the zod error is the cause). A programming error, so it surfaces
 * as a 500 and the transaction that wrote it rolls back: the event is never stored.
 */
export class InvalidDomainEventError extends Error {
  override readonly name = 'InvalidDomainEventError';
  readonly eventType: string;
  readonly issues: readonly string[];

  constructor(eventType: string, issues: readonly string[], options?: ErrorOptions) {
    super(`Domain event ${eventType} does not match the catalogue: ${issues.join('; ')}`, options);
    this.eventType = eventType;
    this.issues = issues;
  }
}

// outbox.aggregate_type and aggregate_id are VARCHAR(64) and VARCHAR(128).
const aggregateIdSchema = z.string().min(1).max(128);

const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => `${['payload', ...issue.path.map(String)].join('.')}: ${issue.message}`);

/** Checks an event against its catalogue entry; throws InvalidDomainEventError when it does not match. */
export function validateDomainEvent(event: DomainEvent): DomainEventEnvelope {
  const type: string = event.type;
  if (!isDomainEventType(type)) throw new InvalidDomainEventError(type, ['not in the catalogue']);
  const definition = DOMAIN_EVENTS[type];
  const aggregateTypes: readonly string[] = definition.aggregateTypes;
  const issues: string[] = [];
  if (!aggregateTypes.includes(event.aggregateType))
    issues.push(`aggregateType: ${event.aggregateType} is not one of ${aggregateTypes.join(', ')}`);
  if (!aggregateIdSchema.safeParse(event.aggregateId).success)
    issues.push('aggregateId: must be 1 to 128 characters');
  const occurredAt = event.occurredAt ?? null;
  if (occurredAt !== null && Number.isNaN(occurredAt.getTime())) issues.push('occurredAt: not a valid time');
  const parsed = definition.payload.safeParse(event.payload);
  if (!parsed.success) issues.push(...issuesOf(parsed.error));
  if (issues.length > 0)
    throw new InvalidDomainEventError(type, issues, parsed.success ? undefined : { cause: parsed.error });
  return {
    type,
    version: definition.version,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    occurredAt,
    payload: event.payload,
  };
}
