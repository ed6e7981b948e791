/**
 * The event types an endpoint receives: one fieldset per domain (designs, licenses, tickets …),
 * each type a checkbox named by its type and described in words when the API describes it.
 */
import './webhooks.css';
import { useId } from 'preact/hooks';
import { useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';
import { groupEventTypes, type WebhookEventType } from './webhook-model.ts';

export function EventTypePicker({
  types,
  selected,
  onChange,
  error,
}: {
  readonly types: readonly WebhookEventType[];
  readonly selected: readonly string[];
  readonly onChange: (selected: string[]) => void;
  readonly error?: string | undefined;
}) {
  const t = useT(messages);
  const id = useId();
  const groupName = (domain: string) => {
    const key = `group.${domain}` as Parameters<typeof t>[0];
    const name = t(key);
    return name === key ? domain : name;
  };
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <fieldset class="field event-types" aria-describedby={describedBy}>
      <legend>{t('eventTypes')}</legend>
      <p class="field-hint" id={`${id}-hint`}>
        {t('eventTypesHint')}
      </p>
      <div class="event-type-groups">
        {groupEventTypes(types).map((group) => (
          <fieldset key={group.domain} class="event-type-group">
            <legend>{groupName(group.domain)}</legend>
            {group.types.map((type) => (
              <label class="checkbox" key={type.type}>
                <input
                  type="checkbox"
                  value={type.type}
                  checked={selected.includes(type.type)}
                  onChange={(event) => {
                    const checked = event.currentTarget.checked;
                    onChange(
                      checked ? [...selected, type.type] : selected.filter((value) => value !== type.type),
                    );
                  }}
                />
                <span>
                  <code class="mono">{type.type}</code>
                  {type.summary ? <span class="webhook-note">{type.summary}</span> : null}
                </span>
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
