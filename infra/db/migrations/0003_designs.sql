-- The IP vault: designs, their wrapped data keys and the fingerprint ledger mirror.
CREATE TABLE designs (
  id               CHAR(26)        NOT NULL,
  org_id           CHAR(26)        NOT NULL,
  name             VARCHAR(200)    NOT NULL,
  format           ENUM('stl', '3mf', 'obj') NOT NULL,
  declared_bytes   BIGINT UNSIGNED NOT NULL,
  status           ENUM('awaiting_upload', 'uploaded', 'validating', 'registered', 'rejected') NOT NULL,
  rejection_code   VARCHAR(64)     NULL,
  rejection_reason VARCHAR(1000)   NULL,
  -- Object names are derived from the id, never from anything a client sent.
  upload_key       VARCHAR(300)    NOT NULL,
  upload_etag      VARCHAR(64)     NULL,
  sha256           BINARY(32)      NULL,
  size_bytes       BIGINT UNSIGNED NULL,
  metrics          JSON            NULL,
  vault_key        VARCHAR(300)    NULL,
  thumbnail_key    VARCHAR(300)    NULL,
  chain_id         BIGINT UNSIGNED NULL,
  registry_address CHAR(42)        NULL,
  chain_tx         CHAR(66)        NULL,
  chain_block      BIGINT UNSIGNED NULL,
  created_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  uploaded_at      DATETIME(3)     NULL,
  finished_at      DATETIME(3)     NULL,
  -- Processing lease: a crashed worker's claim expires and a redelivery can take over.
  lease_until      DATETIME(3)     NULL,
  PRIMARY KEY (id),
  KEY designs_org_page (org_id, id),
  CONSTRAINT designs_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One design per fingerprint: the first to claim it keeps it; a later identical file is a duplicate.
CREATE TABLE design_fingerprints (
  sha256     BINARY(32)  NOT NULL,
  design_id  CHAR(26)    NOT NULL,
  claimed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (sha256),
  UNIQUE KEY design_fingerprints_design (design_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The design's AES-256-GCM data key, wrapped by the master key named in key_ref.
CREATE TABLE design_keys (
  design_id   CHAR(26)       NOT NULL,
  wrapped_key VARBINARY(1024) NOT NULL,
  key_ref     VARCHAR(300)   NOT NULL,
  iv          BINARY(12)     NOT NULL,
  auth_tag    BINARY(16)     NOT NULL,
  created_at  DATETIME(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (design_id),
  CONSTRAINT design_keys_design_fk FOREIGN KEY (design_id) REFERENCES designs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
