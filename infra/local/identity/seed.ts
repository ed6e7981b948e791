import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import type { DbPool } from '#shared/db/pool.ts';
import {
  createLocalAccount,
  findLocalAccountByEmail,
  hashPassword,
} from '#shared/people/local-identity-accounts.ts';
import { putMembership } from '#shared/people/membership-repository.ts';
import type { Role } from '#shared/people/roles.ts';
import { upsertUserFromIdentity } from '#shared/people/user-repository.ts';

/**
 * The seeded organisations have fixed ids, so every start (and every test) finds the same ones
 * without asking by name: a designer studio, a print shop that also licenses designs to others,
 * the operators, and the seeded viewer's personal organisation (as every self-registered viewer
 * gets one).
 */
export const SEEDED_ORGANISATIONS = {
  designer: { id: '00000000000000000000SEEDD1', name: 'Studio Rossi Design', kind: 'designer' },
  printShop: { id: '00000000000000000000SEEDP1', name: 'Stampa Veloce', kind: 'licensee' },
  operator: { id: '00000000000000000000SEEDR1', name: 'Forgecast Operations', kind: 'operator' },
  viewer: { id: '00000000000000000000SEEDV1', name: 'Luca Bianchi (viewer)', kind: 'viewer' },
} as const;

type SeededOrg = keyof typeof SEEDED_ORGANISATIONS;

const SEEDED_PEOPLE: ReadonlyArray<{
  email: string;
  name: string;
  locale: string;
  role: Role;
  org: SeededOrg;
}> = [
  {
    email: 'designer@forgecast.test',
    name: 'Giulia Rossi',
    locale: 'it-IT',
    role: 'designer',
    org: 'designer',
  },
  { email: 'creator@forgecast.test', name: 'Marco Neri', locale: 'it-IT', role: 'creator', org: 'designer' },
  { email: 'admin@forgecast.test', name: 'Anna Rossi', locale: 'en-GB', role: 'org_admin', org: 'designer' },
  {
    email: 'licensing@forgecast.test',
    name: 'Paolo Verdi',
    locale: 'it-IT',
    role: 'licensing_manager',
    org: 'printShop',
  },
  {
    email: 'printshop@forgecast.test',
    name: 'Sara Conti',
    locale: 'en-GB',
    role: 'print_shop_operator',
    org: 'printShop',
  },
  { email: 'viewer@forgecast.test', name: 'Luca Bianchi', locale: 'it-IT', role: 'viewer', org: 'viewer' },
  {
    email: 'operator@forgecast.test',
    name: 'Elena Ferri',
    locale: 'en-GB',
    role: 'platform_operator',
    org: 'operator',
  },
];

export interface SeededPerson {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly role: Role;
  readonly org: { readonly id: string; readonly name: string; readonly kind: string };
}

/**
 * Makes sure the seeded organisations and people exist: a provider account each (the shared
 * password), and, the first time this issuer sees them, a user with their membership. A member
 * an admin removed stays removed across restarts (the membership is only made with the user).
 * Writes `<dataDir>/seeded-people.json` for tests and people.
 */
export async function seedPeople(
  pool: DbPool,
  issuer: string,
  password: string,
  dataDir: string,
): Promise<{ people: SeededPerson[]; file: string }> {
  for (const org of Object.values(SEEDED_ORGANISATIONS)) {
    try {
      await insertOrganisation(pool, org);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
    }
  }
  const people: SeededPerson[] = [];
  let passwordHash: string | undefined;
  for (const person of SEEDED_PEOPLE) {
    let account = await findLocalAccountByEmail(pool, person.email);
    if (!account) {
      passwordHash ??= await hashPassword(password);
      account = { ...(await createLocalAccount(pool, { ...person, passwordHash })), passwordHash };
    }
    const org = SEEDED_ORGANISATIONS[person.org];
    const { user, created } = await upsertUserFromIdentity(pool, {
      issuer,
      subject: account.subject,
      email: account.email,
      name: account.name,
      locale: account.locale,
    });
    if (created) await putMembership(pool, user.id, org.id, person.role);
    people.push({ email: person.email, password, name: person.name, role: person.role, org });
  }
  const file = join(dataDir, 'seeded-people.json');
  await writeFile(file, `${JSON.stringify(people, null, 2)}\n`, { mode: 0o600 });
  return { people, file };
}
