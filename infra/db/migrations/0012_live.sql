-- Live streams. A creator's stream owns one video asset from the start (origin 'live', status
-- 'live' until the stream is finalised); its recording then becomes that asset's VOD through the
-- transcode queue and vod-package, like an upload.
--
-- Life of a stream: idle -> starting (a publisher was authorised) -> live (its first segments are
-- stored) -> reconnecting (the publisher left, or its agent went silent) -> starting again within
-- the reconnect window, or ended | failed. `session` counts publish sessions and fences the ingest
-- agent: every update or done names the session it belongs to, and a superseded one changes nothing.
-- `finalised_at` is set exactly once, by a conditional UPDATE, by whoever ends the stream; the
-- live-recording job goes on the queue in that same transaction.
ALTER TABLE video_assets
  MODIFY COLUMN status ENUM('awaiting_upload', 'uploaded', 'queued', 'transcoding', 'packaging', 'ready', 'failed', 'live') NOT NULL,
  ADD COLUMN origin ENUM('upload', 'live') NOT NULL DEFAULT 'upload' AFTER status;

CREATE TABLE live_streams (
  id                        CHAR(26)          NOT NULL,
  org_id                    CHAR(26)          NOT NULL,
  show_id                   CHAR(26)          NULL,
  asset_id                  CHAR(26)          NOT NULL,
  title                     VARCHAR(200)      NOT NULL,
  -- SHA-256 of the whole stream key; the key itself is shown once and never stored.
  key_hash                  BINARY(32)        NOT NULL,
  key_hint                  CHAR(4)           NOT NULL,
  status                    ENUM('idle', 'starting', 'live', 'reconnecting', 'ended', 'failed') NOT NULL DEFAULT 'idle',
  failure_code              VARCHAR(64)       NULL,
  failure_reason            VARCHAR(1000)     NULL,
  end_reason                VARCHAR(64)       NULL,
  session                   INT UNSIGNED      NOT NULL DEFAULT 0,
  worker_id                 VARCHAR(128)      NULL,
  protocol                  ENUM('rtmp', 'whip') NULL,
  reconnect_window_seconds  SMALLINT UNSIGNED NOT NULL DEFAULT 60,
  max_duration_seconds      INT UNSIGNED      NOT NULL DEFAULT 14400,
  -- All sessions, the current one as last reported; `session_base_*` is what the earlier sessions
  -- recorded, so an agent reports only its own session's figures.
  recorded_seconds          DECIMAL(10, 3)    NOT NULL DEFAULT 0,
  recorded_segments         INT UNSIGNED      NOT NULL DEFAULT 0,
  session_base_seconds      DECIMAL(10, 3)    NOT NULL DEFAULT 0,
  session_base_segments     INT UNSIGNED      NOT NULL DEFAULT 0,
  playlist_lag_ms           INT UNSIGNED      NULL,
  -- Set: the next agent update is refused with it (key-rotated, show-cancelled, max-duration,
  -- asset-deleted, stream-ended) so the agent cuts the publisher.
  cut_reason                VARCHAR(64)       NULL,
  heartbeat_at              DATETIME(3)       NULL,
  live_at                   DATETIME(3)       NULL,
  disconnected_at           DATETIME(3)       NULL,
  ended_at                  DATETIME(3)       NULL,
  finalised_at              DATETIME(3)       NULL,
  vod_job_message_id        VARCHAR(128)      NULL,
  created_at                DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY live_streams_key (key_hash),
  UNIQUE KEY live_streams_asset (asset_id),
  KEY live_streams_org_page (org_id, id),
  KEY live_streams_show (show_id),
  KEY live_streams_watch (status, heartbeat_at),
  CONSTRAINT live_streams_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id),
  CONSTRAINT live_streams_show_fk FOREIGN KEY (show_id) REFERENCES shows (id),
  CONSTRAINT live_streams_asset_fk FOREIGN KEY (asset_id) REFERENCES video_assets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
