/**
 * The chat beside the player. H2's `<ChatPanel showId/>` (web/src/shows/chat/ChatPanel.tsx) mounts
 * here; until it exists this slot holds the place.
 * TODO(issue 16, chat): replace the placeholder with the panel once web/src/shows/chat lands.
 */
import { useT } from '../../app/i18n.tsx';
import { showsMessages } from '../pages-messages.ts';

export function ChatSlot({ showId }: { readonly showId: string }) {
  const t = useT(showsMessages);
  return (
    <aside class="chat-slot" aria-labelledby="chat-heading" data-show-id={showId}>
      <h2 id="chat-heading">{t('chatHeading')}</h2>
      <p class="field-hint">{t('chatSoon')}</p>
    </aside>
  );
}
