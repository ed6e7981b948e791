/**
 * `/watch/:showId`: the show for its ticket holders. Asks `POST /v1/shows/{id}/playback`, plays the
 * answer (player.ts, hls.js in its own lazy chunk) and renews the URL halfway through its life,
 * without a stall. No ticket, not started, ended with the replay coming, refunded or revoked, and
 * cancelled are states in words; "not started" and "replay coming" ask again by themselves and
 * start playing when the show is on. The chat sits beside the player.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, currentPath, signInUrl } from '../../app/api.ts';
import { Button } from '../../app/components/button.tsx';
import { ErrorMessage, Loading, Notice, StatusBadge } from '../../app/components/feedback.tsx';
import { PageTitle } from '../../app/components/page.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { problemKind, toProblem } from '../../app/problems.ts';
import { useResource } from '../../app/resource.ts';
import { takeEarlyPost } from '../early-post.ts';
import { formatShowTime } from '../format.ts';
import { type Page, type Playback, type Show, showPath, type Ticket, ticketShow } from '../model.ts';
import { showsMessages } from '../pages-messages.ts';
import { ChatSlot } from './chat-slot.tsx';
import { renewDelayMs } from './playback-token.ts';
import type { PlayerHandle } from './player.ts';

type WatchState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'playing'; readonly playback: Playback }
  | {
      readonly kind:
        | 'no-ticket'
        | 'revoked'
        | 'not-started'
        | 'starting'
        | 'replay-pending'
        | 'cancelled'
        | 'not-ready'
        | 'unsupported';
    }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'player-failed'; readonly reason: string };

/** Not while the page loads, nor once the ticket was revoked or the show cancelled. */
function chatOpen(state: WatchState): boolean {
  return state.kind !== 'loading' && state.kind !== 'revoked' && state.kind !== 'cancelled';
}

// hls.js is the longest download of this page: start it as this page's code arrives
void import('./player.ts').catch(() => undefined);

/** States that change by themselves: asked again every so often. */
const RETRY_MS = 5000;

/** hls.js's details for playlists not there (yet): a live stream's first seconds. */
const STARTING_ERRORS: ReadonlySet<string> = new Set([
  'manifestLoadError',
  'manifestLoadTimeOut',
  'levelLoadError',
  'levelLoadTimeOut',
  'levelEmptyError',
]);

/** A fresh playback URL; the first call may take the answer the app asked for while it loaded. */
async function playbackOf(showId: string): Promise<Playback> {
  const path = `${showPath(showId)}/playback`;
  const early = takeEarlyPost(path);
  if (!early) return api.post<Playback>(path);
  let response: Response;
  try {
    response = await early;
  } catch {
    return api.post<Playback>(path); // no answer: ask once more the usual way
  }
  if (response.ok) return (await response.json()) as Playback;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 401) location.assign(signInUrl(currentPath()));
  const problem = toProblem(response.status, body);
  throw new ApiError(`POST ${path}: ${response.status} ${problem.title}`, problem);
}

/** Whether the person holds a revoked ticket for the show (to tell "refunded" from "no ticket"). */
async function holdsRevokedTicket(showId: string): Promise<boolean> {
  try {
    const page = await api.get<Page<Ticket>>('/tickets?limit=100');
    return page.items.some((ticket) => ticketShow(ticket).id === showId && ticket.status === 'revoked');
  } catch {
    return false;
  }
}

/** The page's state for a refusal of the playback call. */
async function refusalState(error: unknown, showId: string, wasPlaying: boolean): Promise<WatchState> {
  if (!(error instanceof ApiError) || !error.problem) return { kind: 'failed', error };
  switch (problemKind(error.problem)) {
    case 'no-valid-ticket':
      return wasPlaying || (await holdsRevokedTicket(showId)) ? { kind: 'revoked' } : { kind: 'no-ticket' };
    case 'not-started':
      return { kind: 'not-started' };
    case 'replay-pending':
      return { kind: 'replay-pending' };
    case 'show-cancelled':
      return { kind: 'cancelled' };
    case 'not-ready':
      return { kind: 'not-ready' };
    default:
      return { kind: 'failed', error };
  }
}

function LatencyIndicator({ player }: { readonly player: PlayerHandle }) {
  const t = useT(showsMessages);
  const [seconds, setSeconds] = useState<number | null>(null);
  useEffect(() => {
    const timer = setInterval(() => setSeconds(player.latency()), 1000);
    return () => clearInterval(timer);
  }, [player]);
  return (
    <p class="latency">
      <StatusBadge tone="danger">{t('live')}</StatusBadge>{' '}
      <span>{seconds === null ? t('latencyUnknown') : t('latency', { seconds: seconds.toFixed(1) })}</span>{' '}
      <Button variant="link" onClick={() => player.goLive()}>
        {t('goLive')}
      </Button>
    </p>
  );
}

export default function WatchPage({ params }: { readonly params?: { readonly showId?: string } }) {
  const t = useT(showsMessages);
  const { language } = useLanguage();
  const showId = params?.showId ?? '';
  const show = useResource((signal) => api.get<Show>(showPath(showId), { signal }), [showId]);
  const [state, setState] = useState<WatchState>({ kind: 'loading' });
  const [player, setPlayer] = useState<PlayerHandle | null>(null);
  const [attempt, setAttempt] = useState(0);
  const video = useRef<HTMLVideoElement>(null);
  const playing = useRef<Playback | null>(null);
  /** Renews (re-checks the ticket) at once: the chat learned of a revocation before the player. */
  const checkTicketNow = useRef<(() => void) | null>(null);

  // Ask for the stream; states that change by themselves ask again.
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    playbackOf(showId).then(
      (playback) => {
        if (current) setState({ kind: 'playing', playback });
      },
      async (error: unknown) => {
        const next = await refusalState(error, showId, false);
        if (!current) return;
        setState(next);
        if (next.kind === 'not-started' || next.kind === 'replay-pending' || next.kind === 'not-ready') {
          timer = setTimeout(() => setAttempt((value) => value + 1), RETRY_MS);
        }
      },
    );
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
    };
  }, [showId, attempt]);

  const playbackUrl = state.kind === 'playing' ? state.playback.url : null;
  const live = state.kind === 'playing' && state.playback.live;
  // what is playing now: a renewal after a live show may hand over its recording
  const [liveNow, setLiveNow] = useState(false);
  useEffect(() => setLiveNow(live), [live, playbackUrl]);

  // Start the player once for a playback (renewals go through the handle, not through here).
  useEffect(() => {
    if (!playbackUrl || state.kind !== 'playing' || !video.current) return;
    if (playing.current) return;
    playing.current = state.playback;
    let handle: PlayerHandle | null = null;
    let stopped = false;
    let renewTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = (next: WatchState) => {
      stopped = true;
      if (renewTimer) clearTimeout(renewTimer);
      handle?.destroy();
      handle = null;
      playing.current = null;
      setPlayer(null);
      setState(next);
    };
    // A fresh URL before this one ends; a refusal in between ends playback with its reason.
    const renew = async (): Promise<boolean> => {
      try {
        const fresh = await playbackOf(showId);
        if (stopped) return false;
        playing.current = fresh;
        setLiveNow(fresh.live);
        handle?.renew(fresh.url);
        schedule(fresh.expiresAt);
        return true;
      } catch (error) {
        if (stopped) return false;
        if (error instanceof ApiError && error.problem) {
          const next = await refusalState(error, showId, true);
          if (next.kind === 'failed') schedule(new Date(Date.now() + 20_000).toISOString());
          else {
            stop(next);
            if (next.kind === 'replay-pending') setTimeout(() => setAttempt((value) => value + 1), RETRY_MS);
          }
        } else schedule(new Date(Date.now() + 20_000).toISOString()); // no answer: try again soon
        return false;
      }
    };
    const schedule = (expiresAt: string) => {
      if (renewTimer) clearTimeout(renewTimer);
      renewTimer = setTimeout(() => void renew(), renewDelayMs(expiresAt));
    };
    checkTicketNow.current = () => {
      if (renewTimer) clearTimeout(renewTimer);
      void renew();
    };
    let refusing = false;
    void import('./player.ts')
      .then(({ startPlayer }) =>
        startPlayer(video.current as HTMLVideoElement, playbackUrl, live, {
          onRefused: () => {
            // the edge refused this token: a fresh URL says why (revoked) or carries on
            if (refusing) return;
            refusing = true;
            void renew().then((renewed) => {
              refusing = false;
              if (renewed) handle?.resume();
            });
          },
          onFailed: (reason) => {
            // A live stream that has just gone live may not have its playlists at the edge yet:
            // that is "starting", asked again shortly, not a failure.
            if (live && STARTING_ERRORS.has(reason)) {
              stop({ kind: 'starting' });
              setTimeout(() => setAttempt((value) => value + 1), RETRY_MS);
            } else stop({ kind: 'player-failed', reason });
          },
        }),
      )
      .then((started) => {
        if (stopped) {
          if (started.kind === 'playing') started.handle.destroy();
          return;
        }
        if (started.kind === 'unsupported') return stop({ kind: 'unsupported' });
        handle = started.handle;
        setPlayer(started.handle);
        schedule(state.playback.expiresAt);
      })
      .catch((error: unknown) => stop({ kind: 'failed', error }));
    return () => {
      stopped = true;
      checkTicketNow.current = null;
      if (renewTimer) clearTimeout(renewTimer);
      handle?.destroy();
      playing.current = null;
    };
  }, [playbackUrl]);

  const title = t('watchTitle', { show: show.data?.title ?? '…' });
  const startsAt = show.data ? formatShowTime(language, show.data.startsAt) : '';
  let message: preact.ComponentChildren = null;
  switch (state.kind) {
    case 'loading':
      message = <Loading label={t('watchLoading')} />;
      break;
    case 'no-ticket':
      message = (
        <Notice tone="warning">
          <p>{t('watch.noTicket')}</p>
          <a class="button button-primary" href={showPath(showId)}>
            {t('watch.buyTicket')}
          </a>
        </Notice>
      );
      break;
    case 'revoked':
      message = (
        <Notice tone="danger">
          <p>{t('watch.revoked')}</p>
          <p>
            <a href="/tickets">{t('myTicketsLink')}</a>
          </p>
        </Notice>
      );
      break;
    case 'not-started':
      message = <Notice tone="info">{t('watch.notStarted', { time: startsAt })}</Notice>;
      break;
    case 'replay-pending':
      message = <Notice tone="info">{t('watch.replayPending')}</Notice>;
      break;
    case 'starting':
      message = <Notice tone="info">{t('watch.starting')}</Notice>;
      break;
    case 'cancelled':
      message = <Notice tone="warning">{t('watch.cancelled')}</Notice>;
      break;
    case 'not-ready':
      message = <Notice tone="info">{t('watch.notReady')}</Notice>;
      break;
    case 'unsupported':
      message = <Notice tone="warning">{t('watch.unsupported')}</Notice>;
      break;
    case 'player-failed':
      message = (
        <Notice tone="danger">
          <p>{t('watch.failed', { reason: state.reason })}</p>
          <Button variant="secondary" onClick={() => setAttempt((value) => value + 1)}>
            {t('retry')}
          </Button>
        </Notice>
      );
      break;
    case 'failed':
      message = <ErrorMessage error={state.error} onRetry={() => setAttempt((value) => value + 1)} />;
      break;
    case 'playing':
      break;
  }
  return (
    <section class="watch">
      <PageTitle title={title}>{title}</PageTitle>
      <div class="watch-layout">
        <div class="watch-stage">
          {/* the words of each state are read out when they change */}
          <div role="status" aria-live="polite" class="watch-state">
            {message}
          </div>
          {state.kind === 'playing' ? (
            <>
              <video
                ref={video}
                class="player"
                controls
                muted
                autoplay
                playsInline
                aria-label={t('playerLabel', { show: show.data?.title ?? '' })}
              />
              {liveNow && player ? (
                <LatencyIndicator player={player} />
              ) : (
                <p class="latency">
                  <StatusBadge tone="success">{t('onDemand')}</StatusBadge>
                </p>
              )}
            </>
          ) : null}
        </div>
        {/* The chat is open before the show, while it plays and while its replay is made; the
            panel asks for its own token, so the show's moderators (no ticket) get in and a
            person without a ticket is told so there. */}
        {chatOpen(state) ? <ChatSlot showId={showId} onRemoved={() => checkTicketNow.current?.()} /> : null}
      </div>
    </section>
  );
}
