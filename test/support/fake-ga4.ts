import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A stand-in for Google Analytics 4's Measurement Protocol (gtag / web data streams), written from
 * the documentation rather than from forgecast's client:
 * https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference and
 * .../validating-events. GA4 answers 2xx even for requests it drops, so this fake does the same
 * on `POST /mp/collect` and records the validation messages `/debug/mp/collect` would give;
 * `POST /debug/mp/collect` answers them (`{validationMessages: [...]}`) as the real one does.
 */

export interface ValidationMessage {
  readonly fieldPath: string;
  readonly description: string;
  readonly validationCode:
    | 'VALUE_INVALID'
    | 'VALUE_REQUIRED'
    | 'NAME_INVALID'
    | 'NAME_RESERVED'
    | 'VALUE_OUT_OF_BOUNDS'
    | 'EXCEEDED_MAX_ENTITIES'
    | 'NAME_DUPLICATED';
}

export interface ReceivedRequest {
  readonly path: '/mp/collect' | '/debug/mp/collect';
  readonly measurementId: string | null;
  readonly apiSecret: string | null;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly validationMessages: readonly ValidationMessage[];
  /** What the fake answered. */
  readonly status: number;
}

export interface FakeGa4 {
  readonly url: string;
  /** Every request, in arrival order (the API secret included, for assertions). */
  readonly received: readonly ReceivedRequest[];
  /** Valid requests to `/mp/collect` from the expected stream: what GA4 would keep. */
  readonly accepted: () => readonly ReceivedRequest[];
  /** The next `count` collect requests answer `status` (429, 5xx: GA4 trouble). */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

// Documented limits (reference: "Limitations").
const MAX_EVENTS = 25;
const MAX_PARAMS = 25;
const MAX_USER_PROPERTIES = 25;
const MAX_NAME = 40;
const MAX_PARAM_VALUE = 100;
const LONG_PARAM_VALUES: Readonly<Record<string, number>> = {
  page_location: 1000,
  page_referrer: 420,
  page_title: 300,
};
const MAX_ITEMS = 200;
const MAX_USER_ID = 256;
const MAX_BODY_BYTES = 130 * 1024;
const MAX_AGE_MICROS = 72 * 3600 * 1_000_000;
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const RESERVED_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'];
const RESERVED_EVENT_NAMES = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_update',
  'app_upgrade',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'firebase_campaign',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'notification_send',
  'os_update',
  'screen_view',
  'session_start',
  'user_engagement',
]);
const TOP_LEVEL_KEYS = new Set([
  'client_id',
  'app_instance_id',
  'user_id',
  'timestamp_micros',
  'user_properties',
  'user_data',
  'consent',
  'non_personalized_ads',
  'user_location',
  'ip_override',
  'device',
  'validation_behavior',
  'events',
]);

const EVENT_KEYS = new Set(['name', 'params', 'timestamp_micros']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkName(name: string, fieldPath: string, reserved: ReadonlySet<string>): ValidationMessage[] {
  if (!NAME.test(name) || name.length > MAX_NAME) {
    if (RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      return [
        { fieldPath, description: `Name ${name} has a reserved prefix.`, validationCode: 'NAME_RESERVED' },
      ];
    }
    return [{ fieldPath, description: `Name ${name} is invalid.`, validationCode: 'NAME_INVALID' }];
  }
  if (RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) || reserved.has(name)) {
    return [{ fieldPath, description: `Name ${name} is reserved.`, validationCode: 'NAME_RESERVED' }];
  }
  return [];
}

function checkParamValue(name: string, value: unknown, fieldPath: string): ValidationMessage[] {
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? []
      : [{ fieldPath, description: 'Not a finite number.', validationCode: 'VALUE_INVALID' }];
  }
  if (typeof value === 'string') {
    const limit = LONG_PARAM_VALUES[name] ?? MAX_PARAM_VALUE;
    return [...value].length > limit
      ? [
          {
            fieldPath,
            description: `Longer than ${limit} characters.`,
            validationCode: 'VALUE_OUT_OF_BOUNDS',
          },
        ]
      : [];
  }
  if (name === 'items' && Array.isArray(value)) {
    if (value.length > MAX_ITEMS) {
      return [
        { fieldPath, description: `More than ${MAX_ITEMS} items.`, validationCode: 'EXCEEDED_MAX_ENTITIES' },
      ];
    }
    return value.flatMap((item, index) =>
      isObject(item) && (typeof item.item_id === 'string' || typeof item.item_name === 'string')
        ? []
        : [
            {
              fieldPath: `${fieldPath}[${index}]`,
              description: 'An item needs item_id or item_name.',
              validationCode: 'VALUE_REQUIRED' as const,
            },
          ],
    );
  }
  return [
    { fieldPath, description: 'Parameter values are strings or numbers.', validationCode: 'VALUE_INVALID' },
  ];
}

/** The validation messages GA4's validation server gives for this body (empty: valid). */
export function validateMeasurementProtocolBody(
  body: unknown,
  bytes: number,
  now = Date.now(),
): ValidationMessage[] {
  const messages: ValidationMessage[] = [];
  if (bytes > MAX_BODY_BYTES) {
    messages.push({
      fieldPath: '',
      description: 'The body is over 130 kB.',
      validationCode: 'VALUE_OUT_OF_BOUNDS',
    });
  }
  if (!isObject(body)) {
    return [
      ...messages,
      { fieldPath: '', description: 'The body is not a JSON object.', validationCode: 'VALUE_INVALID' },
    ];
  }
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      messages.push({ fieldPath: key, description: `Unknown field ${key}.`, validationCode: 'NAME_INVALID' });
    }
  }
  // A web stream's requests identify the browser by client_id (app_instance_id is for apps).
  if (typeof body.client_id !== 'string' || body.client_id.length === 0) {
    messages.push({
      fieldPath: 'client_id',
      description: 'client_id is required.',
      validationCode: 'VALUE_REQUIRED',
    });
  }
  if (body.user_id !== undefined && (typeof body.user_id !== 'string' || body.user_id.length > MAX_USER_ID)) {
    messages.push({
      fieldPath: 'user_id',
      description: 'user_id is invalid.',
      validationCode: 'VALUE_INVALID',
    });
  }
  const checkTimestamp = (value: unknown, fieldPath: string) => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      messages.push({
        fieldPath,
        description: 'Microseconds since the epoch.',
        validationCode: 'VALUE_INVALID',
      });
    } else if (now * 1000 - value > MAX_AGE_MICROS || value - now * 1000 > 60_000_000) {
      messages.push({
        fieldPath,
        description: 'More than 72 hours back, or ahead.',
        validationCode: 'VALUE_OUT_OF_BOUNDS',
      });
    }
  };
  checkTimestamp(body.timestamp_micros, 'timestamp_micros');
  if (body.user_properties !== undefined) {
    if (!isObject(body.user_properties) || Object.keys(body.user_properties).length > MAX_USER_PROPERTIES) {
      messages.push({
        fieldPath: 'user_properties',
        description: 'Invalid.',
        validationCode: 'VALUE_INVALID',
      });
    }
  }
  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) {
    messages.push({
      fieldPath: 'events',
      description: 'events is required.',
      validationCode: 'VALUE_REQUIRED',
    });
    return messages;
  }
  if (events.length > MAX_EVENTS) {
    messages.push({
      fieldPath: 'events',
      description: `More than ${MAX_EVENTS} events.`,
      validationCode: 'EXCEEDED_MAX_ENTITIES',
    });
  }
  events.forEach((event, index) => {
    const at = `events[${index}]`;
    if (!isObject(event) || typeof event.name !== 'string') {
      messages.push({
        fieldPath: `${at}.name`,
        description: 'name is required.',
        validationCode: 'VALUE_REQUIRED',
      });
      return;
    }
    messages.push(...checkName(event.name, `${at}.name`, RESERVED_EVENT_NAMES));
    for (const key of Object.keys(event)) {
      if (!EVENT_KEYS.has(key)) {
        messages.push({
          fieldPath: `${at}.${key}`,
          description: `Unknown field ${key}.`,
          validationCode: 'NAME_INVALID',
        });
      }
    }
    // An event's own time overrides the request's (the documented timestamp hierarchy).
    checkTimestamp(event.timestamp_micros, `${at}.timestamp_micros`);
    if (event.params === undefined) return;
    if (!isObject(event.params)) {
      messages.push({
        fieldPath: `${at}.params`,
        description: 'params is an object.',
        validationCode: 'VALUE_INVALID',
      });
      return;
    }
    const names = Object.keys(event.params);
    if (names.length > MAX_PARAMS) {
      messages.push({
        fieldPath: `${at}.params`,
        description: `More than ${MAX_PARAMS} parameters.`,
        validationCode: 'EXCEEDED_MAX_ENTITIES',
      });
    }
    for (const name of names) {
      const fieldPath = `${at}.params.${name}`;
      messages.push(...checkName(name, fieldPath, new Set()));
      messages.push(...checkParamValue(name, event.params[name], fieldPath));
    }
  });
  return messages;
}

/** Starts the stand-in on loopback. Requests for another stream or secret are recorded and dropped. */
export async function startFakeGa4(expected: {
  readonly measurementId: string;
  readonly apiSecret: string;
}): Promise<FakeGa4> {
  const received: ReceivedRequest[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 503 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://ga4.local');
    const path = url.pathname;
    if (req.method !== 'POST' || (path !== '/mp/collect' && path !== '/debug/mp/collect')) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const measurementId = url.searchParams.get('measurement_id');
    const apiSecret = url.searchParams.get('api_secret');
    const validationMessages = [
      ...(measurementId === expected.measurementId
        ? []
        : [
            {
              fieldPath: 'measurement_id',
              description: 'Unknown measurement_id.',
              validationCode: 'VALUE_INVALID' as const,
            },
          ]),
      ...(apiSecret === expected.apiSecret
        ? []
        : [
            {
              fieldPath: 'api_secret',
              description: 'Unknown api_secret.',
              validationCode: 'VALUE_INVALID' as const,
            },
          ]),
      ...validateMeasurementProtocolBody(body, raw.length),
    ];
    const debug = path === '/debug/mp/collect';
    // GA4 answers 204 whether or not it keeps the events; a failure asked for answers its status.
    const status = debug ? 200 : failures.count > 0 ? failures.status : 204;
    if (!debug && failures.count > 0) failures = { ...failures, count: failures.count - 1 };
    received.push({
      path,
      measurementId,
      apiSecret,
      contentType: req.headers['content-type'],
      body,
      validationMessages,
      status,
    });
    if (debug) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ validationMessages }));
      return;
    }
    res.writeHead(status).end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the fake GA4 has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    accepted: () =>
      received.filter(
        (request) =>
          request.path === '/mp/collect' && request.status === 204 && request.validationMessages.length === 0,
      ),
    failNext(count, status) {
      failures = { count, status };
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
