import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { normaliseEmail } from './user-repository.ts';

type Queryable = DbPool | DbConnection;

/**
 * Accounts of the local OpenID provider (infra/local/identity). In production the identity
 * domain holds people's passwords and this table stays empty.
 */
export interface LocalIdentityAccount {
  readonly subject: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string | null;
}

/** scrypt cost (N=2^15, r=8, p=1: ~32 MiB and ~50-100 ms here), the OWASP minimum for scrypt. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$<salt b64>$<key b64>`: the parameters travel with the hash, so they can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText] = stored.split('$');
  if (scheme !== 'scrypt' || !saltText || !keyText) return false;
  const expected = Buffer.from(keyText, 'base64');
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      Buffer.from(saltText, 'base64'),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem },
      (err, derived) => (err ? reject(err) : resolve(derived)),
    );
  });
  return timingSafeEqual(key, expected);
}

export class EmailTakenError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('An account with this email exists', options);
    this.name = 'EmailTakenError';
  }
}

export async function createLocalAccount(
  db: Queryable,
  account: { email: string; name: string; locale: string | null; passwordHash: string },
): Promise<LocalIdentityAccount> {
  const subject = newId();
  const email = normaliseEmail(account.email);
  try {
    await db.query(
      'INSERT INTO local_identity_accounts (subject, email, name, locale, password_hash) VALUES (?, ?, ?, ?, ?)',
      [subject, email, account.name, account.locale, account.passwordHash],
    );
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_DUP_ENTRY') throw new EmailTakenError({ cause: err });
    throw err;
  }
  return { subject, email, name: account.name, locale: account.locale };
}

export async function findLocalAccountByEmail(
  db: Queryable,
  email: string,
): Promise<(LocalIdentityAccount & { passwordHash: string }) | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT subject, email, name, locale, password_hash FROM local_identity_accounts WHERE email = ?',
    [normaliseEmail(email)],
  );
  const row = rows[0];
  return row ? { ...toAccount(row), passwordHash: row.password_hash as string } : undefined;
}

export async function findLocalAccount(
  db: Queryable,
  subject: string,
): Promise<LocalIdentityAccount | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT subject, email, name, locale FROM local_identity_accounts WHERE subject = ?',
    [subject],
  );
  return rows[0] ? toAccount(rows[0]) : undefined;
}

function toAccount(row: RowDataPacket): LocalIdentityAccount {
  return {
    subject: row.subject as string,
    email: row.email as string,
    name: row.name as string,
    locale: (row.locale as string | null) ?? null,
  };
}
