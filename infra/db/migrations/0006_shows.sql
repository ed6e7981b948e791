-- Shows and tickets: capacity, seat holds for Stripe Checkout sessions, tickets, Stripe events,
-- and per-asset view statistics from the CDN's logs.
--
-- Capacity = capacity - seats_sold - seats of unexpired holds. The show row is the lock every
-- hold and every sale takes, so a show never sells more than its capacity.
CREATE TABLE shows (
  id              CHAR(26)        NOT NULL,
  org_id          CHAR(26)        NOT NULL,
  title           VARCHAR(200)    NOT NULL,
  description     VARCHAR(4000)   NULL,
  starts_at       DATETIME(3)     NOT NULL,
  capacity        INT UNSIGNED    NOT NULL,
  seats_sold      INT UNSIGNED    NOT NULL DEFAULT 0,
  -- Smallest currency unit (cents), ISO 4217 lower-case as Stripe writes it.
  price_amount    INT UNSIGNED    NOT NULL,
  currency        CHAR(3)         NOT NULL,
  video_id        CHAR(26)        NULL,
  live_stream_key VARCHAR(128)    NULL,
  status          ENUM('on_sale', 'cancelled') NOT NULL DEFAULT 'on_sale',
  created_at      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY shows_public (status, starts_at, id),
  KEY shows_org (org_id, id),
  CONSTRAINT shows_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id),
  CONSTRAINT shows_video_fk FOREIGN KEY (video_id) REFERENCES video_assets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One Checkout Session and the seats it holds. `status` moves held -> paid | released; a paid
-- order can later be refunded or disputed (its tickets revoked). Late payments for a released
-- hold on a sold-out show are refunded (refund_id) instead of over-selling.
CREATE TABLE seat_holds (
  id                   CHAR(26)       NOT NULL,
  show_id              CHAR(26)       NOT NULL,
  buyer_org_id         CHAR(26)       NOT NULL,
  quantity             INT UNSIGNED   NOT NULL,
  amount_total         INT UNSIGNED   NOT NULL,
  currency             CHAR(3)        NOT NULL,
  status               ENUM('pending', 'held', 'paid', 'released', 'refunded') NOT NULL,
  checkout_session_id  VARCHAR(255)   NULL,
  payment_intent_id    VARCHAR(255)   NULL,
  payment_status       VARCHAR(32)    NULL,
  refund_id            VARCHAR(255)   NULL,
  release_reason       VARCHAR(200)   NULL,
  expires_at           DATETIME(3)    NOT NULL,
  created_at           DATETIME(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  paid_at              DATETIME(3)    NULL,
  released_at          DATETIME(3)    NULL,
  PRIMARY KEY (id),
  UNIQUE KEY seat_holds_session (checkout_session_id),
  KEY seat_holds_payment_intent (payment_intent_id),
  KEY seat_holds_active (show_id, status, expires_at),
  KEY seat_holds_buyer (buyer_org_id, id),
  CONSTRAINT seat_holds_show_fk FOREIGN KEY (show_id) REFERENCES shows (id),
  CONSTRAINT seat_holds_buyer_fk FOREIGN KEY (buyer_org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE tickets (
  id            CHAR(26)     NOT NULL,
  show_id       CHAR(26)     NOT NULL,
  hold_id       CHAR(26)     NOT NULL,
  holder_org_id CHAR(26)     NOT NULL,
  -- Seat number within the order (1..quantity): (hold_id, seat) is unique, so fulfilling an
  -- order twice cannot issue a second set.
  seat          INT UNSIGNED NOT NULL,
  status        ENUM('valid', 'revoked') NOT NULL DEFAULT 'valid',
  revoked_reason VARCHAR(200) NULL,
  checked_in_at DATETIME(3)  NULL,
  issued_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  revoked_at    DATETIME(3)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY tickets_order_seat (hold_id, seat),
  KEY tickets_holder (holder_org_id, show_id, status),
  KEY tickets_show (show_id, status),
  CONSTRAINT tickets_show_fk FOREIGN KEY (show_id) REFERENCES shows (id),
  CONSTRAINT tickets_hold_fk FOREIGN KEY (hold_id) REFERENCES seat_holds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every Stripe event, recorded once by id before it is processed; processed_at stays NULL until
-- its effect is committed, so a sweep can finish what a crash interrupted.
CREATE TABLE stripe_events (
  id            VARCHAR(255)  NOT NULL,
  type          VARCHAR(128)  NOT NULL,
  object_id     VARCHAR(255)  NULL,
  created       BIGINT        NOT NULL,
  payload       JSON          NOT NULL,
  received_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  processed_at  DATETIME(3)   NULL,
  outcome       VARCHAR(200)  NULL,
  attempts      INT UNSIGNED  NOT NULL DEFAULT 0,
  last_error    VARCHAR(1000) NULL,
  PRIMARY KEY (id),
  KEY stripe_events_pending (processed_at, received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per asset and UTC day, from Fastly's HTTPS log streaming. Unique viewers are counted exactly
-- per day through cdn_viewers (a hashed client id, never the address itself).
CREATE TABLE cdn_view_stats (
  asset_id     CHAR(26)        NOT NULL,
  day          DATE            NOT NULL,
  requests     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  views        BIGINT UNSIGNED NOT NULL DEFAULT 0,
  bytes        BIGINT UNSIGNED NOT NULL DEFAULT 0,
  viewers      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (asset_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE cdn_viewers (
  asset_id    CHAR(26)    NOT NULL,
  day         DATE        NOT NULL,
  viewer_hash BINARY(16)  NOT NULL,
  PRIMARY KEY (asset_id, day, viewer_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Log batches already ingested (Fastly retries a batch it thinks failed).
CREATE TABLE cdn_log_batches (
  batch_sha256 BINARY(32)  NOT NULL,
  received_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (batch_sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
