-- Licensing: who may license a design, printers, licenses, print jobs, settlement batches,
-- the relayer's transaction ledger and the chain indexer's state.

-- A design's owner may license it; so may the organisations it names here (marketplaces, ERPs).
CREATE TABLE design_licensors (
  design_id  CHAR(26)    NOT NULL,
  org_id     CHAR(26)    NOT NULL,
  granted_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (design_id, org_id),
  CONSTRAINT design_licensors_design_fk FOREIGN KEY (design_id) REFERENCES designs (id),
  CONSTRAINT design_licensors_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A printer belongs to a licensee organisation. Its RSA public key receives wrapped data keys;
-- its credential (`fcp_<id>_<secret>`) is stored as SHA-256 of the secret only.
CREATE TABLE printers (
  id                CHAR(26)     NOT NULL,
  org_id            CHAR(26)     NOT NULL,
  name              VARCHAR(200) NOT NULL,
  public_key_pem    TEXT         NOT NULL,
  public_key_sha256 BINARY(32)   NOT NULL,
  credential_hash   BINARY(32)   NOT NULL,
  status            ENUM('active', 'retired') NOT NULL DEFAULT 'active',
  created_at        DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  retired_at        DATETIME(3)  NULL,
  PRIMARY KEY (id),
  KEY printers_org_page (org_id, id),
  CONSTRAINT printers_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One license: terms, the off-chain print ledger (the enforcement point) and its chain state.
-- prints_used + prints_reserved <= prints_total is the invariant print authorization keeps with
-- a single conditional UPDATE.
CREATE TABLE licenses (
  id                 CHAR(26)        NOT NULL,
  issuer_org_id      CHAR(26)        NOT NULL,
  holder_org_id      CHAR(26)        NOT NULL,
  design_id          CHAR(26)        NOT NULL,
  idempotency_key    VARCHAR(255)    NOT NULL,
  request_sha256     BINARY(32)      NOT NULL,
  prints_total       INT UNSIGNED    NOT NULL,
  prints_used        INT UNSIGNED    NOT NULL DEFAULT 0,
  prints_reserved    INT UNSIGNED    NOT NULL DEFAULT 0,
  -- Failed prints given back to the license, at most failure_allowance of them.
  failure_allowance  INT UNSIGNED    NOT NULL DEFAULT 0,
  failures_refunded  INT UNSIGNED    NOT NULL DEFAULT 0,
  -- Last print serial handed out (per-license sequence, never reused).
  print_seq          INT UNSIGNED    NOT NULL DEFAULT 0,
  expires_at         DATETIME(3)     NOT NULL,
  -- NULL: any printer of the holder; otherwise the Merkle root of license_printers.
  printer_root       BINARY(32)      NULL,
  status             ENUM('pending', 'active', 'failed') NOT NULL DEFAULT 'pending',
  failure_reason     VARCHAR(500)    NULL,
  revoked_at         DATETIME(3)     NULL,
  revocation_reason  VARCHAR(500)    NULL,
  chain_id           BIGINT UNSIGNED NULL,
  ledger_address     CHAR(42)        NULL,
  token_id           CHAR(66)        NULL,
  mint_tx_id         BIGINT UNSIGNED NULL,
  mint_tx_hash       CHAR(66)        NULL,
  mint_block         BIGINT UNSIGNED NULL,
  -- Prints whose settlement transaction is mined (the chain's printsUsed should match).
  prints_settled     INT UNSIGNED    NOT NULL DEFAULT 0,
  created_at         DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  activated_at       DATETIME(3)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY licenses_idempotency (issuer_org_id, idempotency_key),
  UNIQUE KEY licenses_token (token_id),
  KEY licenses_holder_page (holder_org_id, id),
  KEY licenses_issuer_page (issuer_org_id, id),
  KEY licenses_status (status, created_at),
  CONSTRAINT licenses_design_fk FOREIGN KEY (design_id) REFERENCES designs (id),
  CONSTRAINT licenses_holder_fk FOREIGN KEY (holder_org_id) REFERENCES organisations (id),
  CONSTRAINT licenses_issuer_fk FOREIGN KEY (issuer_org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The approved-printer set of a license (empty: any printer of the holder).
CREATE TABLE license_printers (
  license_id CHAR(26) NOT NULL,
  printer_id CHAR(26) NOT NULL,
  PRIMARY KEY (license_id, printer_id),
  CONSTRAINT license_printers_license_fk FOREIGN KEY (license_id) REFERENCES licenses (id),
  CONSTRAINT license_printers_printer_fk FOREIGN KEY (printer_id) REFERENCES printers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One authorised print. `granted` holds a reservation until completed or expired; `counted`
-- marks prints that consume the license (and must be settled on chain).
CREATE TABLE print_jobs (
  id               CHAR(26)        NOT NULL,
  license_id       CHAR(26)        NOT NULL,
  printer_id       CHAR(26)        NOT NULL,
  org_id           CHAR(26)        NOT NULL,
  serial           VARCHAR(64)     NOT NULL,
  state            ENUM('granted', 'succeeded', 'failed', 'expired') NOT NULL DEFAULT 'granted',
  counted          TINYINT(1)      NOT NULL DEFAULT 0,
  refunded         TINYINT(1)      NOT NULL DEFAULT 0,
  failure_reason   VARCHAR(500)    NULL,
  granted_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  grant_expires_at DATETIME(3)     NOT NULL,
  completed_at     DATETIME(3)     NULL,
  settlement_id    BIGINT UNSIGNED NULL,
  settled_at       DATETIME(3)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY print_jobs_serial (serial),
  KEY print_jobs_license (license_id, id),
  KEY print_jobs_printer (printer_id, id),
  KEY print_jobs_expiry (state, grant_expires_at),
  KEY print_jobs_unsettled (counted, settlement_id, completed_at),
  CONSTRAINT print_jobs_license_fk FOREIGN KEY (license_id) REFERENCES licenses (id),
  CONSTRAINT print_jobs_printer_fk FOREIGN KEY (printer_id) REFERENCES printers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A batch of counted prints written on chain in one transaction.
CREATE TABLE settlements (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  status       ENUM('open', 'submitted', 'confirmed', 'failed') NOT NULL DEFAULT 'open',
  prints       INT UNSIGNED    NOT NULL DEFAULT 0,
  tx_id        BIGINT UNSIGNED NULL,
  error        VARCHAR(1000)   NULL,
  created_at   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  confirmed_at DATETIME(3)     NULL,
  PRIMARY KEY (id),
  KEY settlements_status (status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The relayer's nonces, allocated here rather than read from the node, so concurrent function
-- instances never share or skip one. `chain_instance` is the genesis block hash: a chain that
-- was reset (the local EDR chain at every start) begins a fresh series.
CREATE TABLE chain_nonces (
  chain_instance CHAR(66)        NOT NULL,
  address        CHAR(42)        NOT NULL,
  next_nonce     BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (chain_instance, address)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every transaction the relayer signed, stored (raw bytes included) before it is broadcast, so a
-- crash or a dropped transaction is rebroadcast with the same nonce and hash, never re-signed.
CREATE TABLE chain_transactions (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  chain_instance CHAR(66)        NOT NULL,
  from_address   CHAR(42)        NOT NULL,
  nonce          BIGINT UNSIGNED NOT NULL,
  to_address     CHAR(42)        NOT NULL,
  purpose        VARCHAR(64)     NOT NULL,
  ref            VARCHAR(128)    NOT NULL,
  raw_tx         MEDIUMTEXT      NOT NULL,
  tx_hash        CHAR(66)        NOT NULL,
  status         ENUM('signed', 'sent', 'mined', 'reverted', 'replaced') NOT NULL DEFAULT 'signed',
  block_number   BIGINT UNSIGNED NULL,
  gas_used       BIGINT UNSIGNED NULL,
  error          VARCHAR(1000)   NULL,
  created_at     DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  sent_at        DATETIME(3)     NULL,
  finished_at    DATETIME(3)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY chain_transactions_nonce (chain_instance, from_address, nonce),
  UNIQUE KEY chain_transactions_hash (chain_instance, tx_hash),
  KEY chain_transactions_open (status, created_at),
  KEY chain_transactions_ref (purpose, ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Where the indexer has read up to, per contract (a redeployed contract starts its own cursor).
CREATE TABLE chain_cursors (
  chain_instance   CHAR(66)        NOT NULL,
  contract_address CHAR(42)        NOT NULL,
  next_block       BIGINT UNSIGNED NOT NULL,
  updated_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (chain_instance, contract_address)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Confirmed contract events, once each.
CREATE TABLE chain_events (
  chain_instance   CHAR(66)        NOT NULL,
  tx_hash          CHAR(66)        NOT NULL,
  log_index        INT UNSIGNED    NOT NULL,
  block_number     BIGINT UNSIGNED NOT NULL,
  block_hash       CHAR(66)        NOT NULL,
  contract_address CHAR(42)        NOT NULL,
  event_name       VARCHAR(64)     NOT NULL,
  token_id         CHAR(66)        NULL,
  args             JSON            NOT NULL,
  indexed_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (chain_instance, tx_hash, log_index),
  KEY chain_events_token (token_id, block_number),
  KEY chain_events_block (contract_address, block_number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Off-chain ledger vs chain, one row per reconciliation run; `report` lists every drift found.
CREATE TABLE ledger_reconciliations (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  chain_instance   CHAR(66)        NOT NULL,
  head_block       BIGINT UNSIGNED NOT NULL,
  licenses_checked INT UNSIGNED    NOT NULL,
  drift_count      INT UNSIGNED    NOT NULL,
  report           JSON            NOT NULL,
  ran_at           DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
