-- Webhooks for integrators: the endpoints an organisation registers, one delivery per (endpoint,
-- domain event) and every attempt at it. Written only by shared/webhooks/*-repository.ts.
--
-- An endpoint's signing secret must be recoverable (each delivery is signed with it), so it is
-- kept wrapped by the platform's key wrapper (KEY_WRAPPER: the local master key, or OCI Vault),
-- never in plaintext; `*_key_ref` names the master key that wrapped it. During a rotation the
-- previous secret keeps signing until previous_secret_expires_at.
CREATE TABLE webhook_endpoints (
  id                          CHAR(26)       NOT NULL,
  org_id                      CHAR(26)       NOT NULL,
  url                         VARCHAR(2048)  NOT NULL,
  description                 VARCHAR(500)   NULL,
  -- JSON array of subscribed domain event types (events/domain/catalogue.ts).
  event_types                 JSON           NOT NULL,
  secret_wrapped              VARBINARY(512) NOT NULL,
  secret_key_ref              VARCHAR(300)   NOT NULL,
  previous_secret_wrapped     VARBINARY(512) NULL,
  previous_secret_key_ref     VARCHAR(300)   NULL,
  previous_secret_expires_at  DATETIME(3)    NULL,
  enabled                     TINYINT(1)     NOT NULL DEFAULT 1,
  -- The notice the portal shows when the dispatcher disabled the endpoint (or why it is off).
  disabled_reason             VARCHAR(1000)  NULL,
  disabled_at                 DATETIME(3)    NULL,
  -- The first failed attempt since the last success: the endpoint is disabled once this is older
  -- than WEBHOOK_DISABLE_AFTER_SECONDS.
  failing_since               DATETIME(3)    NULL,
  created_at                  DATETIME(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at                  DATETIME(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY webhook_endpoints_org (org_id, id),
  CONSTRAINT webhook_endpoints_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One event for one endpoint. `body` holds the exact bytes every attempt signs and sends.
-- Ordering: a pending delivery is due only when no pending delivery of the same endpoint and
-- aggregate (`stream_key`) has a smaller outbox `sequence`. Only that first one has a
-- `next_attempt_at`; those behind it wait with NULL and get a time when it finishes.
CREATE TABLE webhook_deliveries (
  id               CHAR(26)          NOT NULL,
  endpoint_id      CHAR(26)          NOT NULL,
  event_id         CHAR(36)          NOT NULL,
  event_type       VARCHAR(128)      NOT NULL,
  stream_key       VARCHAR(256)      NOT NULL,
  sequence         BIGINT UNSIGNED   NOT NULL,
  body             MEDIUMBLOB        NOT NULL,
  status           ENUM('pending', 'delivered', 'failed') NOT NULL DEFAULT 'pending',
  attempts         INT UNSIGNED      NOT NULL DEFAULT 0,
  next_attempt_at  DATETIME(3)       NULL,
  -- A sender's claim: another sender leaves the delivery alone until it lapses.
  lease_token      CHAR(26)          NULL,
  lease_until      DATETIME(3)       NULL,
  last_status_code SMALLINT UNSIGNED NULL,
  last_latency_ms  INT UNSIGNED      NULL,
  last_error       VARCHAR(500)      NULL,
  created_at       DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at      DATETIME(3)       NULL,
  PRIMARY KEY (id),
  -- Idempotent expansion: a stream message read twice adds no second delivery.
  UNIQUE KEY webhook_deliveries_event (endpoint_id, event_id),
  KEY webhook_deliveries_due (status, next_attempt_at),
  KEY webhook_deliveries_order (endpoint_id, stream_key, status, sequence),
  -- The delivery log: an endpoint's deliveries newest first, a page at a time.
  KEY webhook_deliveries_log (endpoint_id, id),
  KEY webhook_deliveries_lease (lease_token),
  KEY webhook_deliveries_age (finished_at),
  CONSTRAINT webhook_deliveries_endpoint_fk FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every attempt: what the endpoint answered (or why it could not), and how long it took.
CREATE TABLE webhook_attempts (
  id           BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  delivery_id  CHAR(26)          NOT NULL,
  trigger_kind ENUM('scheduled', 'manual', 'test') NOT NULL,
  attempted_at DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  status_code  SMALLINT UNSIGNED NULL,
  latency_ms   INT UNSIGNED      NOT NULL,
  error        VARCHAR(500)      NULL,
  PRIMARY KEY (id),
  KEY webhook_attempts_delivery (delivery_id, id),
  CONSTRAINT webhook_attempts_delivery_fk FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
