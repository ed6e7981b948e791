-- People (issue 14): users signed in through OpenID Connect, their memberships in organisations
-- with a role each, and their portal sessions. Owned by shared/people/ (the only SQL for them).

-- A person as an identity provider knows them: (issuer, subject) is the identity; email and
-- name are refreshed from the ID token at each sign-in.
CREATE TABLE users (
  id          CHAR(26)     NOT NULL,
  issuer      VARCHAR(255) NOT NULL,
  subject     VARCHAR(255) NOT NULL,
  email       VARCHAR(254) NOT NULL,
  name        VARCHAR(200) NOT NULL,
  locale      VARCHAR(16)  NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY users_identity (issuer, subject),
  KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One role per person per organisation; scopes derive from the role (shared/people/roles.ts).
CREATE TABLE memberships (
  user_id     CHAR(26)    NOT NULL,
  org_id      CHAR(26)    NOT NULL,
  role        ENUM('designer', 'licensing_manager', 'print_shop_operator', 'creator', 'viewer',
                   'org_admin', 'platform_operator') NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_id, org_id),
  KEY memberships_org (org_id),
  CONSTRAINT memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT memberships_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A membership granted by email to someone who has not signed in yet: it becomes a membership
-- at their first sign-in with a verified email.
CREATE TABLE membership_invitations (
  org_id      CHAR(26)     NOT NULL,
  email       VARCHAR(254) NOT NULL,
  role        ENUM('designer', 'licensing_manager', 'print_shop_operator', 'creator', 'viewer',
                   'org_admin', 'platform_operator') NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (org_id, email),
  KEY membership_invitations_email (email),
  CONSTRAINT membership_invitations_org_fk FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Portal sessions. Only SHA-256 of the 256-bit session id is kept, so a leaked table signs no
-- one in. org_id is the active organisation (NULL for a person with no membership yet).
CREATE TABLE sessions (
  id_hash             BINARY(32)   NOT NULL,
  user_id             CHAR(26)     NOT NULL,
  org_id              CHAR(26)     NULL,
  created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_seen_at        DATETIME(3)  NOT NULL,
  idle_expires_at     DATETIME(3)  NOT NULL,
  absolute_expires_at DATETIME(3)  NOT NULL,
  revoked_at          DATETIME(3)  NULL,
  user_agent          VARCHAR(255) NULL,
  PRIMARY KEY (id_hash),
  KEY sessions_user (user_id, org_id),
  KEY sessions_expiry (absolute_expires_at),
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A sign-in under way (between the redirect to the provider and its callback): PKCE verifier,
-- state and nonce kept server-side, found by SHA-256 of a random id in a short-lived HttpOnly
-- cookie, so the callback only completes in the browser that started it. Used once.
CREATE TABLE login_attempts (
  id_hash        BINARY(32)   NOT NULL,
  state          VARCHAR(64)  NOT NULL,
  nonce          VARCHAR(64)  NOT NULL,
  code_verifier  VARCHAR(128) NOT NULL,
  return_to      VARCHAR(2048) NOT NULL,
  created_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at     DATETIME(3)  NOT NULL,
  PRIMARY KEY (id_hash),
  KEY login_attempts_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The local OpenID provider's accounts (infra/local/identity; production uses an OCI IAM
-- identity domain and leaves this table empty). Passwords hashed with scrypt.
CREATE TABLE local_identity_accounts (
  subject        CHAR(26)     NOT NULL,
  email          VARCHAR(254) NOT NULL,
  name           VARCHAR(200) NOT NULL,
  locale         VARCHAR(16)  NULL,
  password_hash  VARCHAR(255) NOT NULL,
  created_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (subject),
  UNIQUE KEY local_identity_accounts_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
