/**
 * The endpoint form, registering one (webhooks-list.tsx) and editing one (webhook-detail.tsx): the
 * address, the description and the event types offered by the API (plus, when editing, any the
 * endpoint holds that the catalogue no longer offers), checked here before `submit` sends them; an
 * address the API refuses is said at its field.
 */
import './webhooks.css';
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../../app/api.ts';
import { Button, ErrorMessage, Loading, TextField } from '../../app/components/index.ts';
import { useFormSubmission } from '../../app/form-submission.ts';
import { useT } from '../../app/i18n.tsx';
import { useResource } from '../../app/resource.ts';
import { EventTypePicker } from './event-type-picker.tsx';
import { messages } from './messages.ts';
import {
  checkEndpointForm,
  type EndpointRequest,
  urlRefusal,
  type WebhookEndpoint,
} from './webhook-model.ts';
import { listEventTypes } from './webhooks-api.ts';

export function EndpointForm({
  endpoint,
  submitLabel,
  submit,
}: {
  /**
   * The endpoint being edited (its values fill the form). Without one the form registers an
   * endpoint: the description's example is shown, and the form is emptied once one is registered.
   */
  readonly endpoint?: WebhookEndpoint;
  readonly submitLabel: string;
  /** Sends the checked form (its failure is shown under it). */
  readonly submit: (request: EndpointRequest) => Promise<void>;
}) {
  const t = useT(messages);
  const eventTypes = useResource((signal) => listEventTypes(signal), []);
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [chosen, setChosen] = useState<string[]>([...(endpoint?.eventTypes ?? [])]);
  const { busy, failure, errors, setErrors, send, sending } = useFormSubmission();

  const refused = failure instanceof ApiError ? urlRefusal(failure.problem) : null;
  // types the endpoint holds stay choosable even if the catalogue stopped offering them
  const offered = [
    ...(eventTypes.data ?? []),
    ...(endpoint?.eventTypes ?? [])
      .filter((type) => !(eventTypes.data ?? []).some((known) => known.type === type))
      .map((type) => ({ type, version: 0, summary: '' })),
  ];

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending()) return;
    const known = offered.map((type) => type.type);
    const check = checkEndpointForm({ url, description, eventTypes: chosen }, known);
    if (!check.ok) {
      setErrors(Object.fromEntries(Object.entries(check.errors).map(([field, key]) => [field, t(key)])));
      return;
    }
    setErrors({});
    await send(async () => {
      await submit(check.request);
      if (endpoint) return;
      setUrl('');
      setDescription('');
      setChosen([]);
    });
  }

  return (
    <form class="webhook-form" onSubmit={onSubmit} noValidate aria-busy={busy ? 'true' : undefined}>
      <TextField
        label={t('url')}
        hint={t('urlHint')}
        value={url}
        inputMode="url"
        autocomplete="url"
        spellcheck={false}
        maxLength={2048}
        onInput={(event) => setUrl(event.currentTarget.value)}
        error={errors.url ?? (refused ? t(refused) : undefined)}
        required
      />
      <TextField
        label={t('description')}
        hint={endpoint ? undefined : t('descriptionHint')}
        value={description}
        maxLength={500}
        autocomplete="off"
        onInput={(event) => setDescription(event.currentTarget.value)}
        error={errors.description}
      />
      {eventTypes.status === 'loading' && !eventTypes.data ? (
        <Loading label={t('loadingEventTypes')} />
      ) : null}
      {eventTypes.status === 'failed' ? (
        <ErrorMessage error={eventTypes.error} onRetry={eventTypes.reload} />
      ) : null}
      {eventTypes.data ? (
        <EventTypePicker types={offered} selected={chosen} onChange={setChosen} error={errors.eventTypes} />
      ) : null}
      {failure ? <ErrorMessage error={failure} /> : null}
      <div class="actions">
        <Button type="submit" busy={busy} disabled={!eventTypes.data}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
