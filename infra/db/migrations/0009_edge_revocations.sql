-- Playback grants the CDN edge must refuse before their tokens expire: a ticket revoked by a
-- refund, a dispute or its show's creator. A row is written in the same transaction as the
-- revocation; the edge-revocations function pushes it to the edge's revocation list (a Fastly edge
-- dictionary; the local edge speaks the same API) and removes it, there and here, once keep_until
-- has passed: by then no token naming the grant can be valid, so the list holds at most the
-- revocations of the last hour or so.
CREATE TABLE edge_revocations (
  grant_id       CHAR(26)      NOT NULL,
  kind           ENUM('ticket') NOT NULL,
  reason         VARCHAR(200)  NOT NULL,
  revoked_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  -- revoked_at + the longest playback token lifetime + clock skew.
  keep_until     DATETIME(3)   NOT NULL,
  -- Last successful push to the edge; NULL until the first. Re-pushed now and then (resync).
  pushed_at      DATETIME(3)   NULL,
  push_failures  INT UNSIGNED  NOT NULL DEFAULT 0,
  last_error     VARCHAR(500)  NULL,
  PRIMARY KEY (grant_id),
  KEY edge_revocations_push (pushed_at, revoked_at),
  KEY edge_revocations_expiry (keep_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
