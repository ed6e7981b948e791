/**
 * Where both apps' shells put the analytics consent banner and the page beacons: loaded after the
 * first paint, so they add a few bytes to the first load (the shows catalogue's budget is 25 KB).
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function ConsentMount() {
  const [Consent, setConsent] = useState<ComponentType | null>(null);
  useEffect(() => {
    import('./consent.tsx').then((module) => setConsent(() => module.Consent)).catch(() => undefined); // no banner and no beacons: nothing is counted, nothing breaks
  }, []);
  return Consent ? <Consent /> : null;
}
