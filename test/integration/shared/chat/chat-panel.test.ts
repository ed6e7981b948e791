import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalChatModeration } from '#shared/chat/local-moderation.ts';
import { newId } from '#shared/ids.ts';
import { checkA11y, newPersonContext, screenshot, useBrowser } from '#test/support/browser.ts';
import { answerChatToken, testServiceAccount } from '#test/support/chat-helpers.ts';
import { type RunningLocalChatServer, startLocalChatServer } from '../../../../infra/local/chat/server.ts';

const ADMIN_TOKEN = 'chat-panel-admin-token-0123456789abcdef';
const WEB = fileURLToPath(new URL('../../../../web/src/', import.meta.url));

/** Who the page's person is (a cookie) → what show-access would answer for them. */
const PEOPLE: Record<
  string,
  { uid: string; name: string; role: 'viewer' | 'moderator'; ticketId: string | null } | null
> = {
  ada: { uid: 'u_ada', name: 'Ada Lovelace', role: 'viewer', ticketId: newId() },
  host: { uid: 'o_studio', name: 'Studio Aurora', role: 'moderator', ticketId: null },
  nobody: null,
};

/**
 * The chat panel in real Chromium against the real local chat server. The page is the panel alone
 * (bundled from web/src with esbuild), with the portal's stylesheet; `POST /v1/shows/{id}/chat-token`
 * is answered here the way show-access answers it (a custom token signed with the chat's service
 * account, 403 `no_valid_ticket` without a ticket) — show-access itself is tested with its own
 * function (test/integration/shared/people/people-tickets.test.ts); the shows app's watch page mounts this panel.
 */
describe('Chat panel in Chromium (real chat server)', () => {
  const browser = useBrowser();
  const account = testServiceAccount();
  const showId = newId();
  let chat: RunningLocalChatServer;
  let pages: Server;
  let origin = '';
  let script = '';
  let styles = '';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const bundle = await build({
      stdin: {
        contents: `
          import { render } from 'preact';
          import { LanguageProvider } from './app/i18n.tsx';
          import { ChatPanel } from './shows/chat/ChatPanel.tsx';
          import './app/styles.css';
          const showId = new URLSearchParams(location.search).get('show');
          render(
            <LanguageProvider><main id="main" class="page"><h1>Watch</h1><ChatPanel showId={showId} /></main></LanguageProvider>,
            document.getElementById('root'),
          );`,
        loader: 'tsx',
        resolveDir: WEB,
        sourcefile: 'chat-panel-entry.tsx',
      },
      bundle: true,
      write: false,
      format: 'esm',
      outdir: '/chat-panel',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      loader: { '.svg': 'dataurl', '.woff2': 'dataurl', '.png': 'dataurl' },
      logLevel: 'silent',
    });
    for (const file of bundle.outputFiles) {
      if (file.path.endsWith('.js')) script = file.text;
      if (file.path.endsWith('.css')) styles = file.text;
    }

    let allowed: string[] = [];
    chat = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: () => allowed,
    });
    pages = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const csp = `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${chat.websocketUrl.replace(/\/chat$/, '')}`;
      if (url.pathname === '/watch') {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp })
          .end(
            `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Watch</title>
           <meta name="viewport" content="width=device-width, initial-scale=1">
           <link rel="stylesheet" href="/panel.css"></head><body><div id="root"></div>
           <script type="module" src="/panel.js"></script></body></html>`,
          );
        return;
      }
      if (url.pathname === '/panel.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        return;
      }
      if (url.pathname === '/panel.css') {
        res.writeHead(200, { 'content-type': 'text/css' }).end(styles);
        return;
      }
      const match = /^\/v1\/shows\/([^/]+)\/chat-token$/.exec(url.pathname);
      if (match && req.method === 'POST') {
        const who = /(?:^|; )who=(\w+)/.exec(req.headers.cookie ?? '')?.[1] ?? 'nobody';
        answerChatToken(res, account, match[1] as string, PEOPLE[who], {
          transport: 'websocket',
          url: chat.websocketUrl,
        });
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    allowed = [origin];
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await chat?.close();
    await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  });

  async function open(who: string, locale = 'en-GB'): Promise<Page> {
    const context = await newPersonContext(browser(), origin);
    contexts.push(context);
    if (locale !== 'en-GB') await context.setExtraHTTPHeaders({ 'accept-language': locale });
    await context.addCookies([{ name: 'who', value: who, url: origin }]);
    const page = await context.newPage();
    if (locale !== 'en-GB')
      await page.addInitScript(`Object.defineProperty(navigator, 'languages', { get: () => ['${locale}'] })`);
    await page.goto(`/watch?show=${showId}`);
    return page;
  }

  it('lets a ticket holder and the host talk; markup stays text; the host deletes and mutes', async () => {
    // Prepare
    const host = await open('host');
    await host.getByText('You are in the chat as a moderator.').waitFor();
    const ada = await open('ada');
    await ada.getByText('You are in the chat.').waitFor();

    // Act: Ada writes markup
    const markup = '<b>bold?</b> <img src=x onerror=alert(1)> & friends';
    await ada.getByLabel('Message', { exact: true }).fill(markup);
    await expect
      .poll(() => ada.getByText(/characters/).textContent())
      .toBe(`${[...markup].length} of 500 characters`);
    await ada.getByRole('button', { name: 'Send' }).click();

    // Assess: the host sees exactly what was typed, as text
    const hostLog = host.getByRole('log', { name: 'Chat messages' });
    await hostLog.getByText(markup, { exact: true }).waitFor();
    expect(await hostLog.locator('.chat-text b, .chat-text img').count()).toBe(0);
    expect(await ada.getByLabel('Message', { exact: true }).inputValue()).toBe('');
    await checkA11y(host, 'chat panel (moderator)');
    await checkA11y(ada, 'chat panel (viewer)');
    await screenshot(host, 'chat-panel-moderator');
    await screenshot(ada, 'chat-panel-viewer');

    // Act: the host deletes it, then mutes Ada
    await hostLog.getByRole('button', { name: 'Delete the message from Ada Lovelace' }).click();
    await ada.getByText('No messages yet. Say hello!').waitFor();
    await ada.getByLabel('Message', { exact: true }).fill('second try');
    await ada.getByRole('button', { name: 'Send' }).click();
    await hostLog.getByRole('button', { name: 'Mute Ada Lovelace for 10 minutes' }).click();
    await host.getByText(/Ada Lovelace is muted until/).waitFor();

    // Assess
    await ada.getByText(/A moderator has muted you until/).waitFor();
    expect(await ada.getByLabel('Message', { exact: true }).isDisabled()).toBe(true);
    await checkA11y(ada, 'chat panel (muted)');
    await screenshot(ada, 'chat-panel-muted');
    await host.getByRole('button', { name: 'Unmute Ada Lovelace' }).click();
    await expect.poll(() => ada.getByLabel('Message', { exact: true }).isDisabled()).toBe(false);
  }, 180_000);

  it('says too long in words and will not send past 500 characters', async () => {
    const ada = await open('ada');
    await ada.getByText('You are in the chat.').waitFor();
    await ada.getByLabel('Message', { exact: true }).fill('x'.repeat(501));
    await ada.getByText('Too long: 501 of 500 characters. Shorten the message to send it.').waitFor();
    expect(await ada.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(await ada.getByLabel('Message', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  }, 120_000);

  it('does not read the chat aloud unless asked, and remembers the choice', async () => {
    const ada = await open('ada');
    await ada.getByText('You are in the chat.').waitFor();
    const log = ada.getByRole('log', { name: 'Chat messages' });
    expect(await log.getAttribute('aria-live')).toBe('off');
    await ada.getByLabel('Read new messages aloud').check();
    expect(await log.getAttribute('aria-live')).toBe('polite');
    await ada.reload();
    await ada.getByText('You are in the chat.').waitFor();
    expect(await ada.getByRole('log', { name: 'Chat messages' }).getAttribute('aria-live')).toBe('polite');
    expect(await ada.getByLabel('Read new messages aloud').isChecked()).toBe(true);
  }, 120_000);

  it('tells a person without a ticket that the chat is for ticket holders (and in Italian)', async () => {
    const nobody = await open('nobody');
    await nobody
      .getByText('The chat is for ticket holders. Buy a ticket for this show to join in.')
      .waitFor();
    expect(await nobody.getByLabel('Message', { exact: true }).count()).toBe(0);
    await checkA11y(nobody, 'chat panel (no ticket)');
    await screenshot(nobody, 'chat-panel-no-ticket');
    const italian = await open('nobody', 'it-IT');
    await italian
      .getByText('La chat è riservata a chi ha un biglietto. Acquista un biglietto per partecipare.')
      .waitFor();
  }, 120_000);

  it('removes a viewer whose ticket is revoked, in words, and does not reconnect', async () => {
    const ada = await open('ada');
    await ada.getByText('You are in the chat.').waitFor();
    const port = createLocalChatModeration({ adminUrl: chat.url, adminToken: ADMIN_TOKEN });
    await port.revokeTickets([PEOPLE.ada?.ticketId as string]);
    await ada
      .getByText(
        'Your ticket is no longer valid (refunded, disputed or withdrawn), so you have left the chat.',
      )
      .waitFor();
    expect(await ada.getByLabel('Message', { exact: true }).count()).toBe(0);
    await checkA11y(ada, 'chat panel (removed)');
    await screenshot(ada, 'chat-panel-removed');
  }, 120_000);
});
