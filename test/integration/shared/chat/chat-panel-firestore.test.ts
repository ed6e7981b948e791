import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirestoreChatModeration } from '#shared/chat/firestore-moderation.ts';
import { newId } from '#shared/ids.ts';
import { checkA11y, newPersonContext, screenshot, useBrowser } from '#test/support/browser.ts';
import { answerChatToken, testServiceAccount } from '#test/support/chat-helpers.ts';
import { type FakeFirebase, startFakeFirebase } from '#test/support/fake-firebase.ts';

const WEB = fileURLToPath(new URL('../../../../web/src/', import.meta.url));
const PROJECT = 'forgecast-test';
/** Google's hosts, as production's CSP names them (docs/shows-app.md). */
const GOOGLE = /^https:\/\/(identitytoolkit|securetoken|firestore)\.googleapis\.com\//;
const CONNECT =
  'https://firestore.googleapis.com https://identitytoolkit.googleapis.com https://securetoken.googleapis.com';

/** Who the page's person is (a cookie) → what show-access would answer for them. */
const PEOPLE: Record<
  string,
  { uid: string; name: string; role: 'viewer' | 'moderator'; ticketId: string | null } | null
> = {
  ada: { uid: 'u_ada', name: 'Ada Lovelace', role: 'viewer', ticketId: newId() },
  bruno: { uid: 'u_bruno', name: 'Bruno Loggia', role: 'viewer', ticketId: newId() },
  host: { uid: 'o_studio', name: 'Studio Aurora', role: 'moderator', ticketId: null },
  nobody: null,
};

/**
 * The chat panel in real Chromium on production's transport: Cloud Firestore over REST, with
 * Google's three hosts routed to the Firebase stand-in (test/support/fake-firebase.ts), which
 * checks the custom token's signature, speaks the REST wire formats and holds every request to
 * infra/firebase/firestore.rules. The page is the panel alone (bundled from web/src with esbuild,
 * code-split like the app, so the Firestore transport is its own chunk); chat-token is answered
 * as show-access answers it with `FIREBASE_WEB_API_KEY` set (transport `firestore`, the project,
 * the key; 403 `no_valid_ticket` without a ticket).
 */
describe('Chat panel in Chromium on Firestore (REST transport, Firebase stand-in)', () => {
  const browser = useBrowser();
  const account = testServiceAccount();
  const showId = newId();
  let fake: FakeFirebase;
  let pages: Server;
  let origin = '';
  const files = new Map<string, { type: string; text: string }>();
  const contexts: BrowserContext[] = [];
  /** Scripts each person's page loaded. */
  const scripts = new Map<string, string[]>();

  beforeAll(async () => {
    fake = await startFakeFirebase({ account, projectId: PROJECT });
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
        sourcefile: 'panel.tsx',
      },
      bundle: true,
      splitting: true,
      write: false,
      format: 'esm',
      outdir: '/out',
      entryNames: 'panel',
      chunkNames: '[name]-[hash]',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      loader: { '.svg': 'dataurl', '.woff2': 'dataurl', '.png': 'dataurl' },
      logLevel: 'silent',
    });
    for (const file of bundle.outputFiles) {
      const name = file.path.slice(file.path.lastIndexOf('/') + 1);
      files.set(`/${name}`, {
        type: name.endsWith('.css') ? 'text/css' : 'text/javascript',
        text: file.text,
      });
    }
    expect([...files.keys()].some((name) => name.startsWith('/firestore-transport-'))).toBe(true);

    pages = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const csp = `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${CONNECT}`;
      const who = /(?:^|; )who=(\w+)/.exec(req.headers.cookie ?? '')?.[1] ?? 'nobody';
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
      const file = files.get(url.pathname);
      if (file) {
        if (file.type === 'text/javascript') scripts.set(who, [...(scripts.get(who) ?? []), url.pathname]);
        res.writeHead(200, { 'content-type': file.type }).end(file.text);
        return;
      }
      const match = /^\/v1\/shows\/([^/]+)\/chat-token$/.exec(url.pathname);
      if (match && req.method === 'POST') {
        answerChatToken(res, account, match[1] as string, PEOPLE[who], {
          transport: 'firestore',
          projectId: PROJECT,
          apiKey: fake.apiKey,
        });
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await fake?.close();
    await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  });

  async function open(who: string): Promise<Page> {
    const context = await newPersonContext(browser(), origin);
    contexts.push(context);
    // Google's hosts → the stand-in, the request otherwise as the browser made it (CORS included).
    await context.route(GOOGLE, async (route) => {
      const url = new URL(route.request().url());
      try {
        const response = await route.fetch({ url: `${fake.url}${url.pathname}${url.search}` });
        await route.fulfill({ response });
      } catch {
        // The page closed while a poll was under way.
        await route.abort().catch(() => undefined);
      }
    });
    await context.addCookies([{ name: 'who', value: who, url: origin }]);
    const page = await context.newPage();
    await page.goto(`/watch?show=${showId}`);
    return page;
  }

  it('lets two ticket holders talk through Firestore; markup stays text; the rate limit is said in words', async () => {
    // Prepare
    const ada = await open('ada');
    const bruno = await open('bruno');
    await ada.getByText('You are in the chat.').waitFor();
    await bruno.getByText('You are in the chat.').waitFor();

    // Act: Ada writes markup, Bruno answers
    const markup = '<b>bold?</b> <img src=x onerror=alert(1)> & friends';
    await ada.getByLabel('Message', { exact: true }).fill(markup);
    await ada.getByRole('button', { name: 'Send' }).click();
    // Ada writes again at once: the rules allow one message per 2 s, the panel says so
    await ada.getByLabel('Message', { exact: true }).fill('again');
    await ada.getByRole('button', { name: 'Send' }).click();
    await ada.getByText(/You are sending messages too fast\. Wait \d s and try again\./).waitFor();
    const brunoLog = bruno.getByRole('log', { name: 'Chat messages' });
    await brunoLog.getByText(markup, { exact: true }).waitFor();
    await bruno.getByLabel('Message', { exact: true }).fill('Ciao Ada! 🎭');
    const sentAt = Date.now();
    await bruno.getByRole('button', { name: 'Send' }).click();
    await ada.getByRole('log', { name: 'Chat messages' }).getByText('Ciao Ada! 🎭').waitFor();
    // Production's polling (1 s after activity, up to 4 s when quiet), measured through Playwright.
    console.log(`firestore chat: Bruno's message reached Ada's page in ${Date.now() - sentAt} ms`);

    // Assess: both messages are in Firestore, written as the rules demand
    expect(await brunoLog.locator('.chat-text b, .chat-text img').count()).toBe(0);
    const stored = [...fake.documents.entries()]
      .filter(([path]) => path.startsWith(`shows/${showId}/messages/`))
      .map(([path]) => fake.read(path));
    expect(stored).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ uid: 'u_ada', name: 'Ada Lovelace', role: 'viewer', text: markup }),
        expect.objectContaining({ uid: 'u_bruno', text: 'Ciao Ada! 🎭' }),
      ]),
    );
    expect(fake.read(`shows/${showId}/posters/u_ada`)).toEqual({ lastPostAt: expect.any(String) });
    expect(scripts.get('ada')?.some((path) => path.startsWith('/firestore-transport-'))).toBe(true);
    await checkA11y(ada, 'chat panel on Firestore (viewer)');
    await screenshot(ada, 'chat-firestore-viewer');
  }, 180_000);

  it('lets the host delete a message and mute a viewer; the viewer is told and cannot write', async () => {
    // Prepare
    const host = await open('host');
    const ada = await open('ada');
    await host.getByText('You are in the chat as a moderator.').waitFor();
    await ada.getByText('You are in the chat.').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the rules' gap since the last test
    await ada.getByLabel('Message', { exact: true }).fill('please delete me');
    await ada.getByRole('button', { name: 'Send' }).click();
    const hostLog = host.getByRole('log', { name: 'Chat messages' });
    await hostLog.getByText('please delete me').waitFor();
    await checkA11y(host, 'chat panel on Firestore (moderator)');
    await screenshot(host, 'chat-firestore-moderator');

    // Act
    await hostLog
      .getByRole('listitem')
      .filter({ hasText: 'please delete me' })
      .getByRole('button', { name: 'Delete the message from Ada Lovelace' })
      .click();
    const deletedAt = Date.now();
    await ada.getByText('please delete me').waitFor({ state: 'detached' });
    console.log(`firestore chat: the host's deletion reached Ada's page in ${Date.now() - deletedAt} ms`);
    await hostLog.getByRole('button', { name: 'Mute Ada Lovelace for 10 minutes' }).first().click();
    const mutedAt = Date.now();
    await host.getByText(/Ada Lovelace is muted until/).waitFor();

    // Assess
    await ada.getByText(/A moderator has muted you until/).waitFor();
    console.log(`firestore chat: the mute reached Ada's page in ${Date.now() - mutedAt} ms`);
    expect(await ada.getByLabel('Message', { exact: true }).isDisabled()).toBe(true);
    expect(fake.read(`shows/${showId}/mutes/u_ada`)).toEqual({ uid: 'u_ada', until: expect.any(String) });
    await checkA11y(ada, 'chat panel on Firestore (muted)');
    await screenshot(ada, 'chat-firestore-muted');
    await host.getByRole('button', { name: 'Unmute Ada Lovelace' }).first().click();
    await expect
      .poll(() => ada.getByLabel('Message', { exact: true }).isDisabled(), { timeout: 30_000 })
      .toBe(false);
  }, 180_000);

  it('refuses a person without a ticket before anything reaches Firebase, and never loads the transport', async () => {
    const signIns = () =>
      fake.requests.filter((request) => request.path === '/v1/accounts:signInWithCustomToken').length;
    const before = signIns();
    const nobody = await open('nobody');
    await nobody
      .getByText('The chat is for ticket holders. Buy a ticket for this show to join in.')
      .waitFor();
    expect(await nobody.getByLabel('Message', { exact: true }).count()).toBe(0);
    expect(signIns()).toBe(before);
    expect(scripts.get('nobody')?.some((path) => path.startsWith('/firestore-transport-'))).toBe(false);
    await checkA11y(nobody, 'chat panel on Firestore (no ticket)');
    await screenshot(nobody, 'chat-firestore-no-ticket');
  }, 120_000);

  it('removes a holder whose ticket is revoked (the back end’s port writes revokedTickets)', async () => {
    const bruno = await open('bruno');
    await bruno.getByText('You are in the chat.').waitFor();
    const port = createFirestoreChatModeration({
      projectId: PROJECT,
      account,
      apiBase: fake.url,
      tokenUrl: `${fake.url}/token`,
    });
    await port.revokeTickets([PEOPLE.bruno?.ticketId as string]);
    await bruno
      .getByText(
        'Your ticket is no longer valid (refunded, disputed or withdrawn), so you have left the chat.',
      )
      .waitFor();
    expect(await bruno.getByLabel('Message', { exact: true }).count()).toBe(0);
    await checkA11y(bruno, 'chat panel on Firestore (removed)');
    await screenshot(bruno, 'chat-firestore-removed');
  }, 120_000);
});
