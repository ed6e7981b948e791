-- The source of a failed video (not a video, too large, gave up) is of no further use, and a raw
-- upload must not stay in the bucket for good. transcode-dispatch's upkeep deletes it a while
-- after the failure and records that here, so each source is deleted once and an operator can
-- see when. (In OCI the raw-video bucket's lifecycle rule also deletes anything left there after
-- upload_expiry_days, as a backstop.)
ALTER TABLE video_assets
  ADD COLUMN source_deleted_at DATETIME(3) NULL AFTER source_bytes,
  ADD KEY video_assets_failed_sources (status, source_deleted_at, finished_at);
