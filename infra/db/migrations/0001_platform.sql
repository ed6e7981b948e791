-- Platform tables the runtime needs: the local work queue, the transactional outbox,
-- idempotent-consumer bookkeeping and the event router's dead letters.
-- Timestamps are UTC (sessions pin time_zone to +00:00) with millisecond precision.

-- Work queue with OCI Queue semantics (shared/queue/mysql-queue.ts). Several named queues
-- share the table. A row is visible when visible_after <= NOW(3); receiving it moves
-- visible_after forward and issues a fresh receipt, so only the latest delivery can ack it.
CREATE TABLE queue_messages (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  queue VARCHAR(128) NOT NULL,
  content MEDIUMTEXT NOT NULL,
  receipt VARCHAR(64) NULL,
  delivery_count INT UNSIGNED NOT NULL DEFAULT 0,
  visible_after DATETIME(3) NOT NULL,
  expire_after DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  dead_lettered_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY queue_messages_receipt (receipt),
  -- Receive scans this index in order and stops after LIMIT rows, so SKIP LOCKED only
  -- locks the rows it hands out.
  KEY queue_messages_ready (queue, dead_lettered_at, visible_after, id),
  KEY queue_messages_expiry (queue, expire_after)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Transactional outbox: domain events written in the same transaction as the state change,
-- published afterwards by the relay (at least once; consumers dedupe on id).
CREATE TABLE outbox (
  id CHAR(36) NOT NULL,
  aggregate_type VARCHAR(64) NOT NULL,
  aggregate_id VARCHAR(128) NOT NULL,
  event_type VARCHAR(128) NOT NULL,
  payload JSON NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  published_at DATETIME(3) NULL,
  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (id),
  -- Publishing order within the relay; created_at alone ties within a millisecond.
  UNIQUE KEY outbox_seq (seq),
  KEY outbox_unpublished (published_at, seq),
  KEY outbox_aggregate (aggregate_type, aggregate_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotent consumers: insert (consumer, event_id) in the same transaction as the effect;
-- a duplicate key means the event was already handled.
CREATE TABLE processed_events (
  consumer VARCHAR(128) NOT NULL,
  event_id VARCHAR(255) NOT NULL,
  processed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (consumer, event_id),
  KEY processed_events_age (processed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Events the router could not deliver after all retries, kept for operators to replay.
CREATE TABLE dead_letters (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  rule VARCHAR(128) NOT NULL,
  function_name VARCHAR(128) NOT NULL,
  event JSON NOT NULL,
  attempts INT UNSIGNED NOT NULL,
  last_error TEXT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY dead_letters_function (function_name, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
