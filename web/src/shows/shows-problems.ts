/**
 * The problems a viewer or the door meets on the shows pages, in words (the portal's
 * problems.ts covers the rest). Pure: a problem kind to a sentence.
 */
import type { Language } from '../app/language.ts';
import { problemKind } from '../app/problems.ts';

const SENTENCES: Readonly<Record<string, Readonly<Record<Language, string>>>> = {
  'sold-out': {
    en: 'Sold out: there are not that many seats left. Choose fewer tickets, or look again later.',
    it: 'Esaurito: non ci sono abbastanza posti. Scegli meno biglietti, oppure ricontrolla più tardi.',
  },
  'not-on-sale': {
    en: 'Tickets are no longer on sale for this show.',
    it: 'I biglietti per questo spettacolo non sono più in vendita.',
  },
  'price-not-chargeable': {
    en: 'This show’s price cannot be charged at the moment; its creator has been told. Try again later.',
    it: 'Al momento il prezzo di questo spettacolo non si può addebitare. Riprova più tardi.',
  },
  'payment-provider-unavailable': {
    en: 'The payment service is not answering. Wait a few seconds and try again.',
    it: 'Il servizio di pagamento non risponde. Attendi qualche secondo e riprova.',
  },
  'no-valid-ticket': {
    en: 'You need a valid ticket for this show.',
    it: 'Serve un biglietto valido per questo spettacolo.',
  },
  'show-cancelled': {
    en: 'This show has been cancelled.',
    it: 'Questo spettacolo è stato annullato.',
  },
};

/** The sentence for a problem kind this app knows, or undefined (the portal's sentences apply). */
export function showsProblemSentence(
  problem: { readonly type: string; readonly code?: string },
  language: Language,
): string | undefined {
  return SENTENCES[problemKind(problem)]?.[language];
}
