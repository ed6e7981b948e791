/**
 * The chat beside the player, for the show's ticket holders (and its organisation's moderators).
 *
 * Accessibility: the connection state is a polite status in words; the message list is a `log`
 * that is NOT read aloud by default (a busy chat would talk over the show) — a checkbox turns
 * polite announcements on; refusals of what the person did (too fast, muted, too long) go to a
 * second polite status next to the form. The input has a visible label and a character count tied
 * to it; messages are text nodes only (never HTML). Moderators get Delete and Mute buttons whose
 * names say whose message they act on.
 */
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ChatTokenAnswer, characterCount, MAX_MESSAGE_LENGTH } from '#shared/chat/protocol.ts';
import { ApiError, api, currentPath, signInUrl } from '../../app/api.ts';
import { Button } from '../../app/components/button.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import type { Language } from '../../app/language.ts';
import {
  type ChatClient,
  type ChatSnapshot,
  ChatTokenRefused,
  createChatClient,
  type SocketLike,
} from './chat-client.ts';
import { canWrite, errorText, statusKey } from './chat-view.ts';
import { chatMessages } from './messages.ts';
import './chat.css';

const MUTE_MINUTES = 10;
const READ_ALOUD_KEY = 'forgecast.chat.readAloud';

function rememberedReadAloud(): boolean {
  try {
    return localStorage.getItem(READ_ALOUD_KEY) === 'on';
  } catch {
    return false; // storage refused: off, as by default
  }
}

function rememberReadAloud(on: boolean): void {
  try {
    localStorage.setItem(READ_ALOUD_KEY, on ? 'on' : 'off');
  } catch {
    // not remembered, still switched
  }
}

async function fetchChatToken(showId: string): Promise<ChatTokenAnswer> {
  try {
    return await api.post<ChatTokenAnswer>(`/shows/${encodeURIComponent(showId)}/chat-token`, undefined, {
      redirectOnUnauthorized: false,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status > 0) throw new ChatTokenRefused(error.status);
    throw error;
  }
}

function timeOf(language: Language, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(language === 'it' ? 'it-IT' : 'en-GB', { timeStyle: 'short' }).format(date);
}

export function ChatPanel({
  showId,
  onRemoved,
}: {
  readonly showId: string;
  /** The chat removed this person (their ticket was revoked): the page may re-check playback now. */
  readonly onRemoved?: () => void;
}) {
  const t = useT(chatMessages);
  const { language } = useLanguage();
  const id = useId();
  const [snapshot, setSnapshot] = useState<ChatSnapshot | null>(null);
  const [draft, setDraft] = useState('');
  const [readAloud, setReadAloud] = useState(rememberedReadAloud);
  const [feedback, setFeedback] = useState('');
  const client = useRef<ChatClient | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  useEffect(() => {
    const chat = createChatClient({
      showId,
      fetchToken: () => fetchChatToken(showId),
      connect: (url) => new WebSocket(url) as unknown as SocketLike,
      // Production's chat: loaded only when the answer names Firestore (a lazy chunk).
      connectFirestore: async (chat) =>
        (await import('./firestore-transport.ts')).openFirestoreChat({ showId, ...chat }),
      onChange: setSnapshot,
    });
    client.current = chat;
    setSnapshot(chat.snapshot());
    return () => {
      chat.close();
      client.current = null;
    };
  }, [showId]);

  const removed = snapshot?.status === 'removed';
  const removedRef = useRef(onRemoved);
  removedRef.current = onRemoved;
  useEffect(() => {
    if (removed) removedRef.current?.();
  }, [removed]);

  // A refusal or a moderation becomes one sentence in the form's status region.
  const lastError = snapshot?.lastError ?? null;
  useEffect(() => {
    if (!lastError) return;
    const { key, params } = errorText(lastError);
    setFeedback(t(key, params));
  }, [lastError, t]);
  const lastMute = snapshot?.lastMute ?? null;
  const names = useMemo(() => {
    const byUid = new Map<string, string>();
    for (const message of snapshot?.messages ?? []) byUid.set(message.uid, message.name);
    return byUid;
  }, [snapshot?.messages]);
  useEffect(() => {
    if (!lastMute || snapshot?.role !== 'moderator' || lastMute.uid === snapshot.uid) return;
    const name = names.get(lastMute.uid) ?? lastMute.uid;
    setFeedback(
      lastMute.until
        ? t('mutedSomeone', { name, time: timeOf(language, lastMute.until) })
        : t('unmutedSomeone', { name }),
    );
    // `names` is read, not watched: only the moment of the mute matters.
  }, [lastMute, snapshot?.role, snapshot?.uid, t, language]);

  // Follow new messages unless the person scrolled up to read.
  const messages = snapshot?.messages ?? [];
  useLayoutEffect(() => {
    const element = list.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, [messages.length]);

  if (!snapshot) return null;
  const status = snapshot.status;
  const writable = canWrite(snapshot);
  const count = characterCount(draft.trim());
  const tooLong = count > MAX_MESSAGE_LENGTH;
  const muted = status === 'live' && snapshot.role !== 'moderator' && !writable;
  const moderator = snapshot.role === 'moderator';
  // Someone removed from the chat no longer reads it either.
  const shown = status === 'live' || status === 'reconnecting';

  const submit = (event: Event) => {
    event.preventDefault();
    if (!writable || tooLong || count === 0) {
      if (count === 0) setFeedback(t('error.text-empty'));
      return;
    }
    if (client.current?.send(draft) !== null) {
      setDraft('');
      setFeedback('');
    }
  };

  return (
    <section class="chat-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t('heading')}</h2>
      <p class={`chat-status chat-status-${status}`} role="status">
        {t(statusKey(snapshot))}{' '}
        {status === 'no-ticket' ? (
          <a href={`/shows/${encodeURIComponent(showId)}`}>{t('buyTicket')}</a>
        ) : null}
        {status === 'signed-out' ? <a href={signInUrl(currentPath())}>{t('signIn')}</a> : null}
      </p>
      {shown ? (
        <>
          <label class="chat-read-aloud">
            <input
              type="checkbox"
              checked={readAloud}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                rememberReadAloud(on);
                setReadAloud(on);
              }}
            />{' '}
            {t('readAloud')}
          </label>
          <div
            ref={list}
            class="chat-log"
            role="log"
            aria-live={readAloud ? 'polite' : 'off'}
            aria-label={t('logLabel')}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard
            tabIndex={0}
            onScroll={(event) => {
              const element = event.currentTarget;
              stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
            }}
          >
            <ol class="chat-list">
              {messages.length === 0 ? <li class="chat-empty">{t('empty')}</li> : null}
              {messages.map((message) => {
                const own = message.uid === snapshot.uid;
                return (
                  <li key={message.id} class={`chat-message${own ? ' chat-message-own' : ''}`}>
                    <p class="chat-meta">
                      <span class="chat-name">{message.name}</span>
                      {own ? <span class="chat-tag"> ({t('you')})</span> : null}
                      {message.role === 'moderator' ? (
                        <span class="chat-tag chat-host">{t('moderatorBadge')}</span>
                      ) : null}
                      <time class="chat-time" dateTime={message.sentAt}>
                        {timeOf(language, message.sentAt)}
                      </time>
                    </p>
                    {/* A text node: markup in a message is shown as typed, never parsed. */}
                    <p class="chat-text">{message.text}</p>
                    {moderator && status === 'live' ? (
                      <div class="chat-actions">
                        <Button
                          variant="link"
                          aria-label={t('deleteMessageOf', { name: message.name })}
                          onClick={() => client.current?.deleteMessage(message.id)}
                        >
                          {t('deleteMessage')}
                        </Button>
                        {message.role !== 'moderator' ? (
                          <Button
                            variant="link"
                            aria-label={t('muteOf', { name: message.name })}
                            onClick={() => client.current?.mute(message.uid, MUTE_MINUTES)}
                          >
                            {t('mute')}
                          </Button>
                        ) : null}
                        {message.role !== 'moderator' && lastMute?.uid === message.uid && lastMute.until ? (
                          <Button variant="link" onClick={() => client.current?.unmute(message.uid)}>
                            {t('unmute', { name: message.name })}
                          </Button>
                        ) : null}
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ol>
          </div>
          {status === 'live' || status === 'reconnecting' ? (
            <form class="chat-form" onSubmit={submit} noValidate>
              {muted && snapshot.mutedUntil ? (
                <p class="chat-muted">{t('mutedUntil', { time: timeOf(language, snapshot.mutedUntil) })}</p>
              ) : null}
              <label for={`${id}-input`}>{t('messageLabel')}</label>
              <div class="chat-compose">
                <input
                  id={`${id}-input`}
                  type="text"
                  autoComplete="off"
                  value={draft}
                  disabled={!writable}
                  aria-invalid={tooLong ? 'true' : undefined}
                  aria-describedby={`${id}-count`}
                  onInput={(event) => setDraft(event.currentTarget.value)}
                />
                <Button type="submit" disabled={!writable || tooLong}>
                  {t('send')}
                </Button>
              </div>
              <p id={`${id}-count`} class={`chat-count${tooLong ? ' chat-count-over' : ''}`}>
                {tooLong
                  ? t('tooLong', { count, max: MAX_MESSAGE_LENGTH })
                  : t('count', { count, max: MAX_MESSAGE_LENGTH })}
              </p>
              <p class="chat-feedback" role="status">
                {feedback}
              </p>
            </form>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
