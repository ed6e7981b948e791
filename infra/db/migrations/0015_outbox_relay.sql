-- The outbox relay (functions/outbox-relay, issue 17) publishes outbox rows to the event stream.
-- Owned by shared/events/ (outbox.ts writes rows, outbox-relay-store.ts publishes them).
--
-- event_version: the catalogue version the writer checked the payload against; every row written
-- before this column existed was version 1 (events/domain/catalogue.ts), so the default is exact.
-- publish_attempts / last_error: refusals and failures the stream answered for the row, for the
-- operator. dead_lettered_at: the stream refused the row for good (or it cannot be published);
-- the row is kept with its reason, skipped by the relay, and its aggregate's later events go on.
ALTER TABLE outbox
  ADD COLUMN event_version SMALLINT NOT NULL DEFAULT 1 AFTER event_type,
  ADD COLUMN publish_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN last_error VARCHAR(1000) NULL,
  ADD COLUMN dead_lettered_at DATETIME(3) NULL,
  -- "Oldest pending rows in seq order" (published_at IS NULL AND dead_lettered_at IS NULL
  -- ORDER BY seq LIMIT n) reads this index in order: no filesort, no published row touched.
  DROP KEY outbox_unpublished,
  ADD KEY outbox_pending (published_at, dead_lettered_at, seq),
  -- The operator's list of dead-lettered events, newest first.
  ADD KEY outbox_dead_lettered (dead_lettered_at);
