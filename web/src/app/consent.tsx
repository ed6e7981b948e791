/**
 * The analytics consent banner (equal-weight Accept and Decline, remembered), the way to change
 * the choice later (a button at the foot of every page), and the page beacons. Loaded after the
 * first paint by consent-mount.tsx in both apps. A signed-in person's choice is also stored on
 * their account (`/v1/me/analytics-consent`), which wins over this browser's: declining once
 * holds on every device.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from './api.ts';
import { analyticsChoice, setAnalyticsChoice, trackPage, watchKeyActions } from './beacon.ts';
import { consentMessages } from './consent-messages.ts';
import { useT } from './i18n.tsx';
import { useSessionContext } from './session.tsx';

const CONSENT_PATH = '/me/analytics-consent';
const quietly = { redirectOnUnauthorized: false } as const;
// Under the page, aligned with <main> (styles.css has no footer yet).
const FOOTER_STYLE = {
  maxWidth: '72rem',
  margin: '0 auto',
  padding: '0 1rem 2rem',
  display: 'flex',
  flexWrap: 'wrap',
  gap: '0.5rem',
  alignItems: 'center',
} as const;

export function Consent() {
  const t = useT(consentMessages);
  const { path } = useLocation();
  const { state } = useSessionContext();
  const signedIn = state.status === 'signed-in';
  const [choice, setChoice] = useState(analyticsChoice);
  const [open, setOpen] = useState(choice === null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => watchKeyActions(), []);
  useEffect(() => trackPage(path), [path]);

  // The account's choice wins; an account that never chose takes this browser's.
  useEffect(() => {
    if (!signedIn) return;
    let current = true;
    api
      .get<{ granted: boolean | null }>(CONSENT_PATH, quietly)
      .then(({ granted }) => {
        if (!current) return;
        const local = analyticsChoice();
        if (granted === null) {
          if (local !== null) void api.put(CONSENT_PATH, { granted: local }, quietly).catch(() => undefined);
          return;
        }
        if (granted !== local) setAnalyticsChoice(granted);
        setChoice(granted);
        setOpen(false);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [signedIn]);

  useEffect(() => {
    if (open && choice !== null) heading.current?.focus();
  }, [open, choice]);

  const decide = (granted: boolean) => {
    setAnalyticsChoice(granted);
    setChoice(granted);
    setOpen(false);
    if (signedIn) void api.put(CONSENT_PATH, { granted }, quietly).catch(() => undefined);
  };

  return (
    <>
      {open ? (
        <section
          class="panel consent-banner"
          aria-labelledby="consent-title"
          // Pinned to the foot of the window while it waits for an answer; not modal.
          style={{
            position: 'sticky',
            bottom: 0,
            zIndex: 10,
            maxWidth: '72rem',
            margin: '0 auto',
            boxShadow: '0 -2px 8px rgb(0 0 0 / 15%)',
          }}
        >
          <h2 id="consent-title" tabIndex={-1} ref={heading}>
            {t('title')}
          </h2>
          <p>{t('body')}</p>
          <div class="actions">
            {/* Equal weight: the same style, side by side, neither chosen for the visitor. */}
            <button type="button" class="button button-secondary" onClick={() => decide(true)}>
              {t('accept')}
            </button>
            <button type="button" class="button button-secondary" onClick={() => decide(false)}>
              {t('decline')}
            </button>
          </div>
        </section>
      ) : null}
      <footer class="site-footer" style={FOOTER_STYLE}>
        {choice !== null ? <span role="status">{t(choice ? 'accepted' : 'declined')} </span> : null}
        <button type="button" class="button button-secondary" onClick={() => setOpen(true)}>
          {t('change')}
        </button>
      </footer>
    </>
  );
}
