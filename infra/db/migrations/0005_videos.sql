-- Video on demand: assets, their transcoding attempts and renditions.
--
-- Life of an asset: awaiting_upload -> uploaded -> queued -> transcoding -> packaging -> ready,
-- or failed with a code and reason. `attempt` is the fencing token of the transcoding lease: a
-- worker takes attempt N by incrementing it, and every later write it makes (progress, packaging,
-- failure) is conditional on attempt = N, so a worker that lost its lease can change nothing.
CREATE TABLE video_assets (
  id                CHAR(26)        NOT NULL,
  org_id            CHAR(26)        NOT NULL,
  title             VARCHAR(200)    NOT NULL,
  content_type      VARCHAR(100)    NOT NULL,
  declared_bytes    BIGINT UNSIGNED NOT NULL,
  status            ENUM('awaiting_upload', 'uploaded', 'queued', 'transcoding', 'packaging', 'ready', 'failed') NOT NULL,
  failure_code      VARCHAR(64)     NULL,
  failure_reason    VARCHAR(1000)   NULL,
  -- Object names are derived from the id, never from anything a client sent.
  source_key        VARCHAR(300)    NOT NULL,
  source_etag       VARCHAR(64)     NULL,
  source_bytes      BIGINT UNSIGNED NULL,
  -- The queue message id once the transcode job is enqueued (idempotent dispatch).
  job_message_id    VARCHAR(128)    NULL,
  attempt           INT UNSIGNED    NOT NULL DEFAULT 0,
  -- Delivery count of the job's current queue message, as the worker last saw it: deliveries that
  -- claim no attempt (postponed behind a live one) count towards the dead-letter limit too.
  deliveries        INT UNSIGNED    NOT NULL DEFAULT 0,
  worker_id         VARCHAR(128)    NULL,
  progress_percent  DECIMAL(5, 2)   NULL,
  -- The last attempt's error, kept so a dead-lettered job can say why it gave up.
  last_error        VARCHAR(1000)   NULL,
  mode              ENUM('ladder', 'remux') NULL,
  duration_seconds  DECIMAL(10, 3)  NULL,
  source_width      INT UNSIGNED    NULL,
  source_height     INT UNSIGNED    NULL,
  -- Prefix under the media bucket of the published attempt, e.g. videos/<id>/v2/.
  media_prefix      VARCHAR(300)    NULL,
  renditions        JSON            NULL,
  poster_key        VARCHAR(300)    NULL,
  created_at        DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  uploaded_at       DATETIME(3)     NULL,
  queued_at         DATETIME(3)     NULL,
  started_at        DATETIME(3)     NULL,
  progress_at       DATETIME(3)     NULL,
  finished_at       DATETIME(3)     NULL,
  PRIMARY KEY (id),
  KEY video_assets_org_page (org_id, id),
  KEY video_assets_status (status, progress_at),
  CONSTRAINT video_assets_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
