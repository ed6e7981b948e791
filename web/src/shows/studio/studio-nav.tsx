/** The studio's own row of links, on every studio page (the shows app's header holds the rest). */
import './studio.css';
import { SectionNav } from '../../app/components/page-kit.tsx';
import { useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';

export function StudioNav() {
  const t = useT(messages);
  return (
    <SectionNav
      label={t('studioNav')}
      links={[
        { href: '/studio', text: t('navOverview') },
        { href: '/studio/shows/new', text: t('navNewShow') },
        { href: '/studio/videos/new', text: t('navUpload') },
        { href: '/studio/live', text: t('navLive') },
      ]}
    />
  );
}
