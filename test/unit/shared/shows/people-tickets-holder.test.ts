import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadShowAccessConfig } from '#functions/show-access/config.ts';
import { holderColumns, holderCondition, holderOf, holderUid } from '#shared/shows/holder.ts';

describe('Function: holderOf', () => {
  it('acts as the person whenever the principal names one, else as its organisation', () => {
    expect(holderOf({ orgId: 'O1', userId: 'U1' })).toEqual({ kind: 'person', userId: 'U1' });
    expect(holderOf({ orgId: '', userId: 'U1' })).toEqual({ kind: 'person', userId: 'U1' });
    expect(holderOf({ orgId: 'O1' })).toEqual({ kind: 'organisation', orgId: 'O1' });
    expect(() => holderOf({ orgId: '' })).toThrow(/neither a person nor an organisation/);
  });

  it('writes, selects and names each side', () => {
    const person = holderOf({ orgId: 'O1', userId: 'U1' });
    const org = holderOf({ orgId: 'O1' });

    expect(holderColumns(person)).toEqual({ orgId: null, userId: 'U1' });
    expect(holderColumns(org)).toEqual({ orgId: 'O1', userId: null });
    expect(holderCondition(person, 'holder', 't')).toEqual({ sql: 't.holder_user_id = ?', param: 'U1' });
    expect(holderCondition(org, 'buyer')).toEqual({ sql: 'buyer_org_id = ?', param: 'O1' });
    expect(holderUid(person)).toBe('u_U1');
    expect(holderUid(org)).toBe('o_O1');
  });
});

describe('Function: loadShowAccessConfig (chat transport)', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  const base = (email: string) => ({
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/db',
    EDGE_BASE_URL: 'https://media.example.test',
    EDGE_TOKEN_KEYS: 'ab'.repeat(32),
    FIREBASE_SERVICE_ACCOUNT_JSON: JSON.stringify({ client_email: email, private_key: key }),
  });

  it('prefers the local chat server, then FIREBASE_PROJECT_ID, then the service account’s project', () => {
    const email = 'chat@forgecast-prod.iam.gserviceaccount.com';
    expect(
      loadShowAccessConfig({ ...base(email), CHAT_WEBSOCKET_URL: 'ws://127.0.0.1:4100/chat' }).chat,
    ).toEqual({
      transport: 'websocket',
      url: 'ws://127.0.0.1:4100/chat',
    });
    expect(loadShowAccessConfig({ ...base(email), FIREBASE_PROJECT_ID: 'other-project' }).chat).toEqual({
      transport: 'firestore',
      projectId: 'other-project',
    });
    expect(loadShowAccessConfig(base(email)).chat).toEqual({
      transport: 'firestore',
      projectId: 'forgecast-prod',
    });
  });

  it('names the variable when no project can be told, and refuses a chat URL that is not ws(s)', () => {
    expect(() => loadShowAccessConfig(base('chat@example.com'))).toThrow(/FIREBASE_PROJECT_ID is required/);
    expect(() =>
      loadShowAccessConfig({ ...base('chat@example.com'), CHAT_WEBSOCKET_URL: 'https://chat.example.com' }),
    ).toThrow(/CHAT_WEBSOCKET_URL is invalid/);
  });
});
