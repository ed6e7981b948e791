/** The analytics consent banner's words (loaded with the banner, not with the first page). */
import { defineMessages } from './language.ts';

export const consentMessages = defineMessages({
  en: {
    title: 'Analytics',
    body: 'May we count your visits with an id kept in this browser and, when you are signed in, a pseudonymous id of your account? We use it to improve forgecast and send it to Google Analytics. Without your consent we count pages anonymously and send nothing to Google.',
    accept: 'Accept',
    decline: 'Decline',
    change: 'Analytics choices',
    accepted: 'You accepted analytics.',
    declined: 'You declined analytics.',
  },
  it: {
    title: 'Statistiche',
    body: 'Possiamo contare le tue visite con un identificativo conservato in questo browser e, se hai effettuato l’accesso, un identificativo pseudonimo del tuo account? Lo usiamo per migliorare forgecast e lo inviamo a Google Analytics. Senza il tuo consenso contiamo le pagine in forma anonima e non inviamo nulla a Google.',
    accept: 'Accetto',
    decline: 'Rifiuto',
    change: 'Scelte sulle statistiche',
    accepted: 'Hai accettato le statistiche.',
    declined: 'Hai rifiutato le statistiche.',
  },
});
