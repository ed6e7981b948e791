-- Provenance conflicts: an organisation uploaded a file whose fingerprint another organisation's
-- design already holds. The uploader is told only that the file is already registered (naming the
-- holder would leak its design id and confirm its existence); the operator sees both sides here.
CREATE TABLE design_provenance_conflicts (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  sha256           BINARY(32)      NOT NULL,
  -- The design that holds the fingerprint (first registered): a design id when the vault knows
  -- it, else the registry's bytes16 id; its organisation when known, else its creator on chain.
  holder_design_id VARCHAR(34)     NOT NULL,
  holder_org_id    CHAR(26)        NULL,
  holder_creator   CHAR(42)        NULL,
  -- The later upload that was refused, and its organisation.
  later_design_id  CHAR(26)        NOT NULL,
  later_org_id     CHAR(26)        NOT NULL,
  -- Where the conflict was found: the vault's fingerprint ledger or the chain registry.
  detected_by      ENUM('vault', 'chain') NOT NULL,
  detected_at      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  -- One row per refused upload, however many deliveries its event gets.
  UNIQUE KEY design_provenance_conflicts_later (later_design_id),
  KEY design_provenance_conflicts_holder_org (holder_org_id, id),
  CONSTRAINT design_provenance_conflicts_later_fk FOREIGN KEY (later_design_id) REFERENCES designs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The design watchdog scans unfinished designs by status and lease.
ALTER TABLE designs ADD KEY designs_unfinished (status, lease_until);

-- The event router's dead letters are listed newest first.
ALTER TABLE dead_letters ADD KEY dead_letters_recent (created_at);
