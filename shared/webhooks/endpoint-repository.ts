import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '#shared/db/pool.ts';
import type { WrappedSecret } from './secret-box.ts';

type Queryable = DbPool | DbConnection;

/** An endpoint as its organisation sees it (never its secrets). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly orgId: string;
  readonly url: string;
  readonly description: string | null;
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  /** Why the endpoint is off (the notice the portal shows), when it is. */
  readonly disabledReason: string | null;
  readonly disabledAt: Date | null;
  /** The first failed attempt since the last success, while it keeps failing. */
  readonly failingSince: Date | null;
  /** Until when the previous secret still signs, after a rotation. */
  readonly previousSecretExpiresAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the sender needs: where to post, whether it may, and every secret that signs now. */
export interface SigningEndpoint {
  readonly id: string;
  readonly orgId: string;
  readonly url: string;
  readonly enabled: boolean;
  /** It has a failure streak (failing_since is set) as read. */
  readonly failing: boolean;
  /** The current secret first, then the previous one while its overlap lasts. */
  readonly secrets: readonly WrappedSecret[];
}

const COLUMNS = `id, org_id, url, description, event_types, enabled, disabled_reason, disabled_at,
  failing_since, previous_secret_expires_at, created_at, updated_at`;

export async function insertEndpoint(
  db: Queryable,
  endpoint: {
    id: string;
    orgId: string;
    url: string;
    description: string | null;
    eventTypes: readonly string[];
    secret: WrappedSecret;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO webhook_endpoints (id, org_id, url, description, event_types, secret_wrapped, secret_key_ref)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      endpoint.id,
      endpoint.orgId,
      endpoint.url,
      endpoint.description,
      JSON.stringify(endpoint.eventTypes),
      endpoint.secret.wrapped,
      endpoint.secret.keyRef,
    ],
  );
}

export async function countOrgEndpoints(db: Queryable, orgId: string): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM webhook_endpoints WHERE org_id = ?',
    [orgId],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function listOrgEndpoints(db: Queryable, orgId: string): Promise<WebhookEndpoint[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE org_id = ? ORDER BY id`,
    [orgId],
  );
  return rows.map(toEndpoint);
}

/** Another organisation's endpoint is reported as missing: existence is not disclosed. */
export async function findOrgEndpoint(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<WebhookEndpoint | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = ? AND org_id = ?`,
    [id, orgId],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

export interface EndpointChanges {
  readonly url?: string;
  readonly description?: string | null;
  readonly eventTypes?: readonly string[];
  /** true re-enables (and forgets the failure streak and the notice); false turns it off by hand. */
  readonly enabled?: boolean;
}

/** Applies the changes; false when the organisation has no such endpoint. */
export async function updateOrgEndpoint(
  db: Queryable,
  orgId: string,
  id: string,
  changes: EndpointChanges,
): Promise<boolean> {
  const sets: string[] = ['updated_at = NOW(3)'];
  const params: unknown[] = [];
  if (changes.url !== undefined) {
    sets.push('url = ?');
    params.push(changes.url);
  }
  if (changes.description !== undefined) {
    sets.push('description = ?');
    params.push(changes.description);
  }
  if (changes.eventTypes !== undefined) {
    sets.push('event_types = ?');
    params.push(JSON.stringify(changes.eventTypes));
  }
  if (changes.enabled === true) {
    sets.push('enabled = 1, disabled_reason = NULL, disabled_at = NULL, failing_since = NULL');
  } else if (changes.enabled === false) {
    sets.push(
      "disabled_reason = IF(enabled = 1, 'Disabled by your organisation', disabled_reason)",
      'disabled_at = IF(enabled = 1, NOW(3), disabled_at)',
      'enabled = 0',
    );
  }
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ? AND org_id = ?`,
    [...params, id, orgId],
  );
  return result.affectedRows === 1;
}

/** Deletes the endpoint with its deliveries and their attempts; false when there is none. */
export async function deleteOrgEndpoint(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    'DELETE FROM webhook_endpoints WHERE id = ? AND org_id = ?',
    [id, orgId],
  );
  return result.affectedRows === 1;
}

/**
 * Makes `secret` the signing secret; the current one keeps signing for `overlapMs` more. A second
 * rotation within the overlap drops the oldest secret (at most two sign at once).
 */
export async function rotateEndpointSecret(
  db: Queryable,
  orgId: string,
  id: string,
  secret: WrappedSecret,
  overlapMs: number,
): Promise<Date | undefined> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE webhook_endpoints
        SET previous_secret_wrapped = secret_wrapped, previous_secret_key_ref = secret_key_ref,
            previous_secret_expires_at = NOW(3) + INTERVAL ? MICROSECOND,
            secret_wrapped = ?, secret_key_ref = ?, updated_at = NOW(3)
      WHERE id = ? AND org_id = ?`,
    [overlapMs * 1000, secret.wrapped, secret.keyRef, id, orgId],
  );
  if (result.affectedRows !== 1) return undefined;
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT previous_secret_expires_at FROM webhook_endpoints WHERE id = ?',
    [id],
  );
  return rows[0]?.previous_secret_expires_at as Date;
}

/** The endpoints with their signing secrets, by id (the sender's view). */
export async function findSigningEndpoints(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, SigningEndpoint>> {
  if (ids.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, org_id, url, enabled, secret_wrapped, secret_key_ref, previous_secret_wrapped,
            previous_secret_key_ref, previous_secret_expires_at > NOW(3) AS previous_valid,
            failing_since IS NOT NULL AS failing
       FROM webhook_endpoints WHERE id IN (?)`,
    [ids],
  );
  return new Map(
    rows.map((row) => {
      const secrets: WrappedSecret[] = [
        { wrapped: row.secret_wrapped as Buffer, keyRef: String(row.secret_key_ref) },
      ];
      if (Number(row.previous_valid) === 1 && row.previous_secret_wrapped) {
        secrets.push({
          wrapped: row.previous_secret_wrapped as Buffer,
          keyRef: String(row.previous_secret_key_ref),
        });
      }
      const endpoint: SigningEndpoint = {
        id: String(row.id),
        orgId: String(row.org_id),
        url: String(row.url),
        enabled: Number(row.enabled) === 1,
        failing: Number(row.failing) === 1,
        secrets,
      };
      return [endpoint.id, endpoint];
    }),
  );
}

/** The enabled endpoints of these organisations, with what they subscribe to (fan-out). */
export async function enabledEndpointsOf(
  db: Queryable,
  orgIds: readonly string[],
): Promise<Array<{ id: string; orgId: string; eventTypes: readonly string[]; createdAt: Date }>> {
  if (orgIds.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, org_id, event_types, created_at FROM webhook_endpoints WHERE enabled = 1 AND org_id IN (?)',
    [orgIds],
  );
  return rows.map((row) => ({
    id: String(row.id),
    orgId: String(row.org_id),
    eventTypes: JSON.parse(String(row.event_types)) as string[],
    createdAt: row.created_at as Date,
  }));
}

/** A 2xx answer ends the failure streak. */
export async function recordEndpointSuccess(db: Queryable, id: string): Promise<void> {
  await db.query(
    'UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL',
    [id],
  );
}

/**
 * A failed attempt: starts the failure streak, and disables the endpoint (with `notice`, which
 * the portal shows) once the streak is older than `disableAfterMs`. True when this call disabled it.
 */
export async function recordEndpointFailure(
  db: Queryable,
  id: string,
  disableAfterMs: number,
  notice: (failingSince: Date) => string,
): Promise<boolean> {
  await db.query(
    'UPDATE webhook_endpoints SET failing_since = NOW(3) WHERE id = ? AND failing_since IS NULL',
    [id],
  );
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT failing_since FROM webhook_endpoints
      WHERE id = ? AND enabled = 1 AND failing_since <= NOW(3) - INTERVAL ? MICROSECOND`,
    [id, disableAfterMs * 1000],
  );
  const failingSince = rows[0]?.failing_since as Date | undefined;
  if (!failingSince) return false;
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE webhook_endpoints SET enabled = 0, disabled_at = NOW(3), disabled_reason = ?, updated_at = NOW(3)
      WHERE id = ? AND enabled = 1`,
    [notice(failingSince).slice(0, 1000), id],
  );
  return result.affectedRows === 1;
}

function toEndpoint(row: RowDataPacket): WebhookEndpoint {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    url: String(row.url),
    description: (row.description as string | null) ?? null,
    eventTypes: JSON.parse(String(row.event_types)) as string[],
    enabled: Number(row.enabled) === 1,
    disabledReason: (row.disabled_reason as string | null) ?? null,
    disabledAt: (row.disabled_at as Date | null) ?? null,
    failingSince: (row.failing_since as Date | null) ?? null,
    previousSecretExpiresAt: (row.previous_secret_expires_at as Date | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}
