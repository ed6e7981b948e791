/**
 * The chat beside the player: H2's `<ChatPanel showId/>` (web/src/shows/chat/), which asks for its
 * own token and says in words when the person may not chat.
 */
import { ChatPanel } from '../chat/ChatPanel.tsx';

export function ChatSlot({
  showId,
  onRemoved,
}: {
  readonly showId: string;
  readonly onRemoved?: () => void;
}) {
  return (
    // A plain box: the panel is a section named by its own heading ("Chat").
    <div class="chat-slot">
      <ChatPanel showId={showId} {...(onRemoved ? { onRemoved } : {})} />
    </div>
  );
}
