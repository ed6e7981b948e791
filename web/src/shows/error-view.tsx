/** A failure on a shows page: the shows app's own sentence for its problems, the portal's otherwise. */
import { ApiError } from '../app/api.ts';
import { ErrorMessage } from '../app/components/feedback.tsx';
import { useLanguage, useT } from '../app/i18n.tsx';
import { appMessages } from '../app/messages.ts';
import { showsProblemSentence } from './shows-problems.ts';

export function ShowsError({ error, onRetry }: { readonly error: unknown; readonly onRetry?: () => void }) {
  const { language } = useLanguage();
  const t = useT(appMessages);
  const own =
    error instanceof ApiError && error.problem ? showsProblemSentence(error.problem, language) : undefined;
  if (!own) return <ErrorMessage error={error} {...(onRetry ? { onRetry } : {})} />;
  return (
    <div class="alert alert-error" role="alert">
      <p>{own}</p>
      {onRetry ? (
        <button type="button" class="button button-secondary" onClick={onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </div>
  );
}
