-- The outbox relay (functions/outbox-relay, issue 17) publishes outbox rows to the event stream.
-- Owned by shared/outbox/ (outbox.ts writes rows, outbox-relay-store.ts publishes them).
--
-- event_version: the catalogue version the writer checked the payload against; every row written
-- before this column existed was version 1 (events/domain/catalogue.ts), so the default is exact.
-- publish_attempts / last_error: refusals and failures the stream answered for the row, for the
-- operator. first_refused_at: when the stream first refused the row as retryable; the relay gives
-- up (dead-letters) a row refused for longer than RELAY_GIVE_UP_HOURS (created_at cannot say: it
-- is the event's occurredAt, which may be days old when the row is written). dead_lettered_at:
-- the stream refused the row for good (or it cannot be published, or it was refused for too long);
-- the row is kept with its reason, skipped by the relay, and its aggregate's later events go on.
ALTER TABLE outbox
  ADD COLUMN event_version SMALLINT NOT NULL DEFAULT 1 AFTER event_type,
  ADD COLUMN publish_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN last_error VARCHAR(1000) NULL,
  ADD COLUMN first_refused_at DATETIME(3) NULL,
  ADD COLUMN dead_lettered_at DATETIME(3) NULL,
  -- "Oldest pending rows in seq order" (published_at IS NULL AND dead_lettered_at IS NULL
  -- ORDER BY seq LIMIT n) reads this index in order: no filesort, no published row touched.
  DROP KEY outbox_unpublished,
  ADD KEY outbox_pending (published_at, dead_lettered_at, seq),
  -- The operator's list of dead-lettered events, newest first.
  ADD KEY outbox_dead_lettered (dead_lettered_at);

-- The per-aggregate write lock: appendToOutbox / appendAllToOutbox upsert the aggregate's row
-- (INSERT … ON DUPLICATE KEY UPDATE) in the writer's transaction before inserting the event, so
-- the row lock serialises the writers of one aggregate until they commit: a later writer's event
-- gets its seq only after the earlier one committed, and seq order is commit order within an
-- aggregate whether or not the writer locked a domain row of its own (analytics visitors do not).
-- Aggregates share 65,536 rows (bucket = 16 bits of SHA-256 of type:id, shared/outbox/outbox.ts),
-- so the table stays small however many aggregates there are; `appends` counts the events
-- appended under the row, and nothing reads it to decide.
CREATE TABLE outbox_aggregate_locks (
  bucket SMALLINT UNSIGNED NOT NULL,
  appends BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (bucket)
) ENGINE=InnoDB;
