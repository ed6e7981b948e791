/**
 * RFC 9457 problems turned into sentences a person understands, in English and Italian. Pure (no
 * DOM) so unit tests run it on Node. A problem is named by its `code` when it carries one, else by
 * the last segment of its `type` (the API's own rule, docs/api.md "Problems"); codes use `_` and
 * type slugs `-`, so both are compared in the dashed form.
 */
import type { Language } from './language.ts';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly code?: string;
  readonly errors?: readonly { readonly pointer?: string; readonly detail: string }[];
  readonly retryAfterSeconds?: number;
  readonly [extension: string]: unknown;
}

type Sentences = Readonly<Record<Language, string>>;

/** What each kind of problem means for the person in front of the page. */
const SENTENCES: Readonly<Record<string, Sentences>> = {
  'not-signed-in': {
    en: 'You are not signed in, or your session has ended. Please sign in again.',
    it: 'Non hai effettuato l’accesso, oppure la sessione è scaduta. Accedi di nuovo.',
  },
  unauthorized: {
    en: 'You are not signed in, or your session has ended. Please sign in again.',
    it: 'Non hai effettuato l’accesso, oppure la sessione è scaduta. Accedi di nuovo.',
  },
  forbidden: {
    en: 'Your role in this organisation does not allow this.',
    it: 'Il tuo ruolo in questa organizzazione non consente questa operazione.',
  },
  'origin-refused': {
    en: 'This change was refused because it did not come from the forgecast portal. Reload the page and try again.',
    it: 'La modifica è stata rifiutata perché non proviene dal portale forgecast. Ricarica la pagina e riprova.',
  },
  'not-found': {
    en: 'We could not find it. It may have been removed, or it belongs to another organisation.',
    it: 'Non l’abbiamo trovato. Potrebbe essere stato rimosso o appartenere a un’altra organizzazione.',
  },
  validation: {
    en: 'Some of what you entered is not valid. Check the highlighted fields.',
    it: 'Alcuni dati inseriti non sono validi. Controlla i campi evidenziati.',
  },
  conflict: {
    en: 'This cannot be done in its current state.',
    it: 'Non è possibile nello stato attuale.',
  },
  'design-not-registered': {
    en: 'The design is not registered yet, so it cannot be licensed.',
    it: 'Il progetto non è ancora registrato, quindi non può essere concesso in licenza.',
  },
  'design-unavailable': {
    en: 'The design’s file is not in the vault, so it cannot be printed.',
    it: 'Il file del progetto non è nel caveau, quindi non può essere stampato.',
  },
  'payload-too-large': {
    en: 'The file is too large. Designs can be at most 256 MB.',
    it: 'Il file è troppo grande. I progetti possono essere al massimo di 256 MB.',
  },
  'unsupported-media-type': {
    en: 'This kind of file is not accepted. Use an STL, 3MF or OBJ file.',
    it: 'Questo tipo di file non è accettato. Usa un file STL, 3MF oppure OBJ.',
  },
  'idempotency-key-reused': {
    en: 'This request was already sent with different details. Start again from a fresh form.',
    it: 'Questa richiesta è già stata inviata con dati diversi. Ricomincia da un modulo nuovo.',
  },
  'unknown-holder': {
    en: 'The organisation that should hold the license does not exist.',
    it: 'L’organizzazione che dovrebbe ricevere la licenza non esiste.',
  },
  'unknown-printer': {
    en: 'One of the printers chosen does not exist or does not belong to the license holder.',
    it: 'Una delle stampanti scelte non esiste o non appartiene al titolare della licenza.',
  },
  'license-refused': {
    en: 'The ledger refused this license. Check the design, the holder and the number of prints.',
    it: 'Il registro ha rifiutato questa licenza. Controlla il progetto, il titolare e il numero di stampe.',
  },
  'license-pending': {
    en: 'The license is not active yet: it is still being written to the ledger.',
    it: 'La licenza non è ancora attiva: è ancora in fase di scrittura nel registro.',
  },
  'license-expired': { en: 'The license has expired.', it: 'La licenza è scaduta.' },
  'license-revoked': { en: 'The license has been revoked.', it: 'La licenza è stata revocata.' },
  'license-failed': {
    en: 'The license could not be written to the ledger.',
    it: 'Non è stato possibile scrivere la licenza nel registro.',
  },
  'prints-exhausted': {
    en: 'The license has no prints left.',
    it: 'La licenza non ha più stampe disponibili.',
  },
  'printer-not-approved': {
    en: 'This printer is not approved for the license.',
    it: 'Questa stampante non è autorizzata per la licenza.',
  },
  'invalid-public-key': {
    en: 'The public key is not usable. Upload the printer’s RSA public key (2048 to 8192 bits) as a PEM file starting with “BEGIN PUBLIC KEY”.',
    it: 'La chiave pubblica non è utilizzabile. Carica la chiave pubblica RSA della stampante (da 2048 a 8192 bit) come file PEM che inizia con “BEGIN PUBLIC KEY”.',
  },
  'grant-already-used': {
    en: 'This print grant was already used.',
    it: 'Questa autorizzazione di stampa è già stata usata.',
  },
  'grant-expired': { en: 'This print grant has expired.', it: 'Questa autorizzazione di stampa è scaduta.' },
  'rate-limited': {
    en: 'Too many requests in a short time. Wait a moment and try again.',
    it: 'Troppe richieste in poco tempo. Attendi un momento e riprova.',
  },
  'dependency-unavailable': {
    en: 'A service forgecast depends on is busy or down. Try again in a few seconds.',
    it: 'Un servizio da cui dipende forgecast è occupato o non disponibile. Riprova tra qualche secondo.',
  },
  'authorizer-unavailable': {
    en: 'Sign-in checks are unavailable for a moment. Try again in a few seconds.',
    it: 'I controlli di accesso non sono disponibili per un momento. Riprova tra qualche secondo.',
  },
  'deadline-exceeded': {
    en: 'This took too long and was stopped. Try again.',
    it: 'L’operazione ha richiesto troppo tempo ed è stata interrotta. Riprova.',
  },
  'function-failed': {
    en: 'Something went wrong on our side. Try again; if it keeps happening, contact support.',
    it: 'Si è verificato un errore da parte nostra. Riprova; se continua, contatta l’assistenza.',
  },
  internal: {
    en: 'Something went wrong on our side. Try again; if it keeps happening, contact support.',
    it: 'Si è verificato un errore da parte nostra. Riprova; se continua, contatta l’assistenza.',
  },
  'sign-in-failed': {
    en: 'The sign-in could not be completed. Start again from the sign-in button.',
    it: 'Non è stato possibile completare l’accesso. Ricomincia dal pulsante Accedi.',
  },
  'not-a-member': {
    en: 'You are not a member of that organisation.',
    it: 'Non fai parte di quell’organizzazione.',
  },
  'role-not-grantable': {
    en: 'Only a platform operator may give this role.',
    it: 'Solo un operatore della piattaforma può assegnare questo ruolo.',
  },
  'last-admin': {
    en: 'An organisation needs at least one admin. Name another admin first.',
    it: 'Un’organizzazione ha bisogno di almeno un amministratore. Nominane prima un altro.',
  },
  'show-has-video': {
    en: 'This show already has a video or a live stream. A show can have one.',
    it: 'Questo spettacolo ha già un video o una diretta. Uno spettacolo ne può avere uno solo.',
  },
  'price-locked': {
    en: 'Seats were sold, or are being bought, at the current price, so it can no longer change.',
    it: 'Ci sono posti venduti, o in corso di acquisto, a questo prezzo, quindi non può più cambiare.',
  },
  'capacity-below-sold': {
    en: 'The show cannot have fewer seats than it has sold or is holding for buyers.',
    it: 'Lo spettacolo non può avere meno posti di quelli venduti o riservati agli acquirenti.',
  },
  'webhook-url-refused': {
    en: 'That address cannot receive webhooks: it must be HTTPS on a public address (not a private, loopback or link-local one).',
    it: 'Questo indirizzo non può ricevere webhook: deve essere HTTPS e pubblico (non privato, di loopback o link-local).',
  },
  'webhook-endpoint-limit': {
    en: 'Your organisation has as many webhook endpoints as it may. Delete one you no longer use first.',
    it: 'La tua organizzazione ha già il numero massimo di endpoint webhook. Eliminane prima uno che non usi più.',
  },
  'stream-ended': {
    en: 'This live stream has ended. Create a new one to go live again.',
    it: 'Questa diretta è terminata. Creane una nuova per tornare in diretta.',
  },
  'not-started': {
    en: 'The show has not started yet. Come back when it goes live.',
    it: 'Lo spettacolo non è ancora iniziato. Torna quando andrà in diretta.',
  },
  'replay-pending': {
    en: 'The live show has ended; its replay will be ready shortly.',
    it: 'La diretta è terminata; la replica sarà pronta a breve.',
  },
  starting: {
    en: 'forgecast is still starting. Try again in a moment.',
    it: 'forgecast si sta ancora avviando. Riprova tra un momento.',
  },
  'gateway-unreachable': {
    en: 'forgecast could not be reached. Try again in a moment.',
    it: 'Impossibile raggiungere forgecast. Riprova tra un momento.',
  },
  'gateway-timeout': {
    en: 'forgecast took too long to answer. Try again.',
    it: 'forgecast ha impiegato troppo tempo a rispondere. Riprova.',
  },
  network: {
    en: 'forgecast could not be reached. Check your connection and try again.',
    it: 'Impossibile raggiungere forgecast. Controlla la connessione e riprova.',
  },
};

/** When a problem is of a kind this table does not know, the status class still says something true. */
const BY_STATUS: readonly { readonly below: number; readonly sentence: Sentences }[] = [
  {
    below: 500,
    sentence: {
      en: 'The request was refused.',
      it: 'La richiesta è stata rifiutata.',
    },
  },
  {
    below: 600,
    sentence: {
      en: 'Something went wrong on our side. Try again in a moment.',
      it: 'Si è verificato un errore da parte nostra. Riprova tra un momento.',
    },
  },
];

/** The problem's name in dashed form: its `code`, else the last segment of its `type`. */
export function problemKind(problem: Pick<Problem, 'type' | 'code'>): string {
  if (typeof problem.code === 'string' && problem.code !== '') return problem.code.replaceAll('_', '-');
  const segments = problem.type.split(/[/#]/).filter((segment) => segment !== '');
  return (segments.at(-1) ?? 'about:blank').replaceAll('_', '-');
}

/** Whether this kind of problem has a sentence of its own (otherwise the status decides). */
export function isKnownProblemKind(kind: string): boolean {
  return Object.hasOwn(SENTENCES, kind);
}

/**
 * The sentence for a problem. Known kinds get their own words; an unknown kind gets its status
 * class's sentence followed by the server's `detail` (in English, but better than nothing). A
 * 503 with a retry hint says how long to wait.
 */
export function problemSentence(problem: Problem, language: Language): string {
  const kind = problemKind(problem);
  const known = SENTENCES[kind];
  let sentence: string;
  if (known) {
    sentence = known[language];
  } else {
    const byStatus =
      BY_STATUS.find((entry) => problem.status < entry.below)?.sentence ?? BY_STATUS[1]?.sentence;
    sentence = byStatus ? byStatus[language] : problem.title;
    if (problem.detail) sentence = `${sentence} ${problem.detail}`;
  }
  if (
    typeof problem.retryAfterSeconds === 'number' &&
    problem.status === 503 &&
    problem.retryAfterSeconds > 0
  ) {
    sentence +=
      language === 'it'
        ? ` (Riprova tra ${problem.retryAfterSeconds} s.)`
        : ` (Try again in ${problem.retryAfterSeconds} s.)`;
  }
  return sentence;
}

/** The sentence when the server could not be reached at all (no problem document). */
export function networkSentence(language: Language): string {
  return (SENTENCES.network as Sentences)[language];
}

/**
 * Reads a response body as a problem document, tolerating what a proxy may send instead (HTML, an
 * empty body): anything without a numeric `status` and string `type` becomes a problem named by
 * the HTTP status alone.
 */
export function toProblem(status: number, body: unknown): Problem {
  if (body && typeof body === 'object') {
    const candidate = body as Record<string, unknown>;
    if (typeof candidate.type === 'string' && typeof candidate.title === 'string') {
      return {
        ...candidate,
        type: candidate.type,
        title: candidate.title,
        status: typeof candidate.status === 'number' ? candidate.status : status,
      } as Problem;
    }
  }
  return { type: 'about:blank', title: `HTTP ${status}`, status };
}

/** Validation problems name the members at fault; `/name` → the message for the field `name`. */
export function fieldErrors(problem: Problem): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    if (!error || typeof error.detail !== 'string') continue;
    const field = (error.pointer ?? '').replace(/^#?\//, '').split('/')[0] ?? '';
    if (field !== '' && result[field] === undefined) result[field] = error.detail;
  }
  return result;
}
