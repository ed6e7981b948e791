-- Organisations (designers, licensees, ERP/marketplace integrators, creators) and their API keys.
CREATE TABLE organisations (
  id          CHAR(26)     NOT NULL,
  name        VARCHAR(200) NOT NULL,
  kind        ENUM('designer', 'licensee', 'integrator', 'creator', 'viewer', 'operator') NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Only the SHA-256 of a key's secret is kept; the key id is public and indexes the row.
CREATE TABLE api_keys (
  key_id       CHAR(16)     NOT NULL,
  org_id       CHAR(26)     NOT NULL,
  name         VARCHAR(200) NOT NULL,
  secret_hash  BINARY(32)   NOT NULL,
  scopes       JSON         NOT NULL,
  created_at   DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at   DATETIME(3)  NULL,
  revoked_at   DATETIME(3)  NULL,
  last_used_at DATETIME(3)  NULL,
  PRIMARY KEY (key_id),
  KEY api_keys_org (org_id),
  CONSTRAINT api_keys_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
