import type { Browser } from 'playwright-core';
import { newPersonContext, type PortalCloud, personWithRole } from '../test/support/browser.ts';
import { median, round } from './lib/stats.ts';

const SAMPLES = Number(process.env.BENCH_PORTAL_SAMPLES ?? 15);

/**
 * The sign-in round trip through the local OpenID provider, as a person's browser makes it (fresh
 * context each time): portal login → 302 to the provider → its form shown; form submitted → the
 * provider's redirects → the session function's callback (code exchange, PKCE, ID token check,
 * session row) → back on the portal; then the first `GET /v1/session` with the new cookie. Report
 * only: no target.
 */
export async function benchPortalSignIn(
  cloud: PortalCloud,
  browser: Browser,
): Promise<Record<string, unknown>> {
  const person = personWithRole(cloud.people, 'designer');
  const toForm: number[] = [];
  const submitToPortal: number[] = [];
  const firstSessionRead: number[] = [];
  const total: number[] = [];
  for (let i = 0; i <= SAMPLES; i += 1) {
    const context = await newPersonContext(browser);
    try {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${cloud.webUrl}/v1/session/login?returnTo=%2F`, { waitUntil: 'commit' });
      const email = page.getByLabel(/e-?mail/i);
      await email.waitFor();
      const formShown = performance.now();
      await email.fill(person.email);
      await page.getByLabel(/password|parola/i).fill(person.password);
      const submitted = performance.now();
      await Promise.all([
        page.waitForURL((url) => url.origin === cloud.webUrl, { waitUntil: 'commit', timeout: 60_000 }),
        page.getByRole('button', { name: /sign in|log in|accedi/i }).click(),
      ]);
      const back = performance.now();
      const status = await page.evaluate<number>(
        `fetch('/v1/session', { credentials: 'same-origin' }).then((r) => r.status)`,
      );
      const read = performance.now();
      if (status !== 200) throw new Error(`GET /v1/session after sign-in answered ${status}`);
      // The first round warms the provider and the session function; it is not counted.
      if (i === 0) continue;
      toForm.push(formShown - started);
      submitToPortal.push(back - submitted);
      firstSessionRead.push(read - back);
      total.push(formShown - started + (back - submitted) + (read - back));
    } finally {
      await context.close();
    }
  }
  return {
    samples: SAMPLES,
    medianMs: {
      loginToProviderForm: round(median(toForm), 1),
      submitToBackOnPortal: round(median(submitToPortal), 1),
      firstSessionRead: round(median(firstSessionRead), 1),
      total: round(median(total), 1),
    },
    note: 'typing time excluded; report only, no target',
  };
}
