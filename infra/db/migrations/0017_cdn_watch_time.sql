-- Watch time per asset and UTC day (issue 17: the creator dashboards). Seconds of media served:
-- each viewer's distinct media segments of the day (a segment fetched in two renditions counts
-- once) times the segment's length. Written by functions/cdn-logs/ingest.ts beside the other
-- figures, and carried by its playback.tallied events to the warehouse. Days counted before this
-- migration read 0.
ALTER TABLE cdn_view_stats
  ADD COLUMN seconds_watched BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER viewers;
