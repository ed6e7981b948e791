import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyForgecastSignature } from '../../examples/webhook-consumer/verify.ts';
import { newPersonContext, SCREENSHOT_DIR, signIn, useBrowser } from '../support/browser.ts';
import { record, type ShowsCloud, startShowsCloud } from '../support/shows-browser.ts';

/** One POST the local receiver got, as it came (the raw bytes are what the signature covers). */
interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An integrator's receiver on loopback: answers 200 to every POST and keeps what came. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/forgecast/events`, received };
}

/** Polls `read` every half second until `done` holds; fails after `timeoutMs` with the last value. */
async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The portal's webhook pages as an organisation's admin uses them, in Debian's Chromium against
 * the whole local cloud (which allows loopback receivers): register an endpoint to a receiver in
 * this process, keep the secret shown once, send a test event (the receiver gets it and its
 * signature verifies with the sample consumer's code), see the delivery in the log, redeliver it,
 * rotate the secret, disable and delete. axe-core and screenshots on every page and state.
 */
describe('Webhook pages in a real browser (local cloud, seeded org admin)', () => {
  const browser = useBrowser();
  // The in-process local cloud on a copy of the built app (another helper's build during the run
  // would empty dist/web under a cloud serving it); it allows loopback receivers.
  let shows: ShowsCloud | undefined;
  const cloud = () => {
    if (!shows) throw new Error('the local cloud is not running (beforeAll failed?)');
    return shows.cloud;
  };
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: Page;
  let secret = '';
  let endpointPath = '';

  beforeAll(async () => {
    shows = await startShowsCloud('webhooks_browser', { logLevel: 'warn', liveIngest: { enabled: false } });
    receiver = await startReceiver();
    const context = await newPersonContext(browser(), cloud().webUrl);
    contexts.push(context);
    context.on('weberror', (error) => pageErrors.push(error.error().message));
    context.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    // the page copies the secret with the clipboard API
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cloud().webUrl });
    admin = await context.newPage();
    const orgAdmin = cloud().identity.seededPeople.find((person) => person.role === 'org_admin');
    if (!orgAdmin) throw new Error('no seeded org admin');
    await signIn(admin, orgAdmin, cloud().webUrl, '/webhooks');
    // the analytics question comes first, as for anyone new here (answered, it stays out of the pictures)
    await admin.getByRole('button', { name: 'Decline' }).click();
  }, 300_000);

  afterEach(async (test) => {
    if (test.task.result?.state !== 'fail') return;
    if (pageErrors.length > 0) console.log(`errors in the pages so far:\n${pageErrors.join('\n')}`);
    await admin
      ?.screenshot({ path: `${SCREENSHOT_DIR}/webhooks-failed.png`, fullPage: true })
      .then(() => console.log(`failed step at ${admin.url()}: webhooks-failed.png`))
      .catch(() => undefined);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    receiver?.server.close();
    await shows?.stop();
  }, 180_000);

  it('registers an endpoint from the navigation and shows its signing secret once', async () => {
    // Prepare
    await admin
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await admin.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await admin.getByText('Your organisation has no webhook endpoint yet.').waitFor();
    await admin.getByRole('checkbox', { name: /license\.minted/ }).waitFor();
    await record(admin, 'webhooks-empty');

    // Act: a refused form first (no type chosen), then the real one.
    await admin.getByLabel('Endpoint URL').fill(receiver.url);
    await admin.getByRole('button', { name: 'Register endpoint' }).click();
    await admin.getByText('Choose at least one event type.').waitFor();
    await admin.getByLabel('Description (optional)').fill('ERP orders');
    await admin.getByRole('checkbox', { name: /license\.minted/ }).check();
    await admin.getByRole('checkbox', { name: /print\.completed/ }).check();
    const created = admin.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && response.url().endsWith('/v1/webhook-endpoints'),
    );
    await admin.getByRole('button', { name: 'Register endpoint' }).click();

    // Assess: the secret the API handed over is on the page, once, and copies.
    const answer = (await (await created).json()) as { id: string; secret: string };
    secret = answer.secret;
    expect(secret).toMatch(/^whsec_/);
    await admin.getByText(secret).waitFor();
    await admin.getByRole('button', { name: 'Copy: Signing secret' }).click();
    expect(await admin.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    await admin
      .getByRole('table', { name: /Webhook endpoints of/ })
      .getByText(receiver.url)
      .waitFor();
    await record(admin, 'webhooks-secret');
    await admin.getByRole('button', { name: 'Done' }).click();
    expect(await admin.getByText(secret).count()).toBe(0);
    await admin.reload();
    await admin
      .getByRole('table', { name: /Webhook endpoints of/ })
      .getByText(receiver.url)
      .waitFor();
    expect(await admin.content()).not.toContain(secret);
    await record(admin, 'webhooks-list');
    await admin.getByLabel('Language').selectOption('it');
    await admin.getByRole('heading', { level: 1, name: 'Webhook' }).waitFor();
    await admin.getByRole('button', { name: 'Registra endpoint' }).waitFor();
    await record(admin, 'webhooks-list-it');
    await admin.getByLabel('Lingua').selectOption('en');
    endpointPath = `/webhooks/${answer.id}`;
  }, 180_000);

  it('sends a test event the receiver verifies, sees its delivery and redelivers it', async () => {
    // Prepare
    expect(endpointPath, 'the registration step made no endpoint').not.toBe('');
    await admin.getByRole('link', { name: `Deliveries and settings of ${receiver.url}` }).click();
    await admin.waitForURL(`**${endpointPath}`);
    await admin.getByRole('heading', { level: 1, name: 'Webhook endpoint' }).waitFor();
    await admin.getByText('No deliveries yet. Send a test event to see one here.').waitFor();
    await record(admin, 'webhook-detail-empty');

    // Act 1: the test event.
    await admin.getByRole('button', { name: 'Send test event' }).click();

    // Assess 1: the page says the endpoint accepted it; the receiver got one signed POST that the
    // sample consumer's verification accepts with the secret shown at registration.
    await admin.getByText(/^The endpoint accepted the test event: it answered 200 in/).waitFor();
    const [first] = await eventually(
      () => receiver.received,
      (list) => list.length >= 1,
      30_000,
    );
    const header = first?.headers['forgecast-signature'];
    expect(
      verifyForgecastSignature({ rawBody: first?.body ?? '', header: String(header), secrets: secret }),
    ).toMatchObject({ ok: true });
    expect(
      verifyForgecastSignature({
        rawBody: first?.body ?? '',
        header: String(header),
        secrets: 'whsec_other',
      }),
    ).toMatchObject({ ok: false, reason: 'no_match' });
    const event = JSON.parse(first?.body.toString('utf8') ?? '{}') as { id?: string; type?: string };
    expect(event.type).toBe('webhook.test');
    const log = admin.getByRole('table', { name: 'Deliveries to this endpoint, newest first' });
    await log.getByText('webhook.test').waitFor();
    await log.getByText('Delivered').waitFor();
    if (event.id) await log.getByText(event.id).waitFor();
    await record(admin, 'webhook-detail-delivered');

    // Act 2: redeliver it.
    await log
      .getByRole('button', { name: /^Redeliver / })
      .first()
      .click();

    // Assess 2: the same event again, signed again, and the page says it was accepted.
    await admin.getByText(/^webhook\.test delivered again: the endpoint answered 200\.$/).waitFor();
    const second = (
      await eventually(
        () => receiver.received,
        (list) => list.length >= 2,
        30_000,
      )
    )[1];
    expect(JSON.parse(second?.body.toString('utf8') ?? '{}')).toMatchObject({
      id: event.id,
      type: 'webhook.test',
    });
    expect(
      verifyForgecastSignature({
        rawBody: second?.body ?? '',
        header: String(second?.headers['forgecast-signature']),
        secrets: secret,
      }),
    ).toMatchObject({ ok: true });
  }, 180_000);

  it('rotates the secret behind a confirmation, the new one shown once and both signing for a while', async () => {
    // Act
    await admin.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByText(/^Rotate the signing secret of /).waitFor();
    await record(admin, 'webhook-rotate-confirm');
    const rotated = admin.waitForResponse((response) => response.url().endsWith('/rotate-secret'));
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    const newSecret = ((await (await rotated).json()) as { secret: string }).secret;

    // Assess: shown once, with the old one's end; the next test event verifies with either.
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    await admin.getByText(newSecret).waitFor();
    await admin.getByText(/^Secret rotated\. The previous secret verifies until /).waitFor();
    await record(admin, 'webhook-rotated');
    await admin.getByRole('button', { name: 'Done' }).click();
    const before = receiver.received.length;
    await admin.getByRole('button', { name: 'Send test event' }).click();
    await admin.getByText(/^The endpoint accepted the test event/).waitFor();
    const latest = (
      await eventually(
        () => receiver.received,
        (list) => list.length > before,
        30_000,
      )
    )[before];
    for (const secrets of [secret, newSecret])
      expect(
        verifyForgecastSignature({
          rawBody: latest?.body ?? '',
          header: String(latest?.headers['forgecast-signature']),
          secrets,
        }),
      ).toMatchObject({ ok: true });
  }, 180_000);

  it('disables the endpoint with a notice, enables it again, then deletes it', async () => {
    // Act 1: disable (confirmed).
    await admin.getByRole('button', { name: 'Disable endpoint' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Disable endpoint' }).click();

    // Assess 1: the notice says it is off and since when; the badge agrees.
    await admin.getByText('Endpoint disabled.').waitFor();
    await admin.getByText(/^This endpoint was disabled on .+\. Reason: /).waitFor();
    await admin
      .getByText('This endpoint is disabled: no events are sent to it until it is enabled again.')
      .waitFor();
    await record(admin, 'webhook-disabled');
    await admin.getByRole('link', { name: 'All endpoints' }).first().click();
    const listed = admin
      .getByRole('table', { name: /Webhook endpoints of/ })
      .getByRole('row')
      .filter({ hasText: receiver.url });
    await listed.getByText('Disabled', { exact: true }).waitFor();
    await listed.locator('.webhook-note').waitFor(); // the reason, beside the state
    await record(admin, 'webhooks-list-disabled');
    await listed.getByRole('link', { name: `Deliveries and settings of ${receiver.url}` }).click();

    // Act 2: enable, then delete (confirmed).
    await admin.getByRole('button', { name: 'Enable endpoint' }).click();
    await admin.getByText('Endpoint enabled.').waitFor();
    await admin.getByRole('button', { name: 'Delete endpoint' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();

    // Assess 2: back on the list, which says so and is empty again.
    await admin.waitForURL(/\/webhooks\?deleted=/);
    await admin.getByText(`Endpoint ${receiver.url} deleted.`).waitFor();
    await admin.getByText('Your organisation has no webhook endpoint yet.').waitFor();
    await record(admin, 'webhooks-deleted');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
