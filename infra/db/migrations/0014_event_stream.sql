-- The local event stream (shared/stream/mysql-stream.ts): OCI Streaming's semantics in MariaDB for
-- the local cloud and tests. A stream has a fixed number of partitions (as on OCI, set when it is
-- created); each message lives in the partition its key hashes to, at the partition's next offset.
-- Offsets are dense per partition: a put locks the partition rows it writes (in partition order,
-- so concurrent puts cannot deadlock) and bumps `next_offset` in the same transaction, so puts to
-- one partition commit in offset order and a reader never sees offset n+1 before offset n.
CREATE TABLE streams (
  name        VARCHAR(128)      NOT NULL,
  partitions  SMALLINT UNSIGNED NOT NULL,
  created_at  DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE stream_partitions (
  stream        VARCHAR(128)      NOT NULL,
  partition_no  SMALLINT UNSIGNED NOT NULL,
  next_offset   BIGINT UNSIGNED   NOT NULL DEFAULT 0,
  PRIMARY KEY (stream, partition_no),
  CONSTRAINT stream_partitions_stream_fk FOREIGN KEY (stream) REFERENCES streams (name) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- No foreign key to stream_partitions: retention deletes millions of rows, and the partition row is
-- locked by every put, so checking it per inserted message would only add lock traffic.
CREATE TABLE stream_messages (
  stream          VARCHAR(128)      NOT NULL,
  partition_no    SMALLINT UNSIGNED NOT NULL,
  message_offset  BIGINT UNSIGNED   NOT NULL,
  -- The key's UTF-8 bytes (OCI: at most 256 bytes).
  message_key     VARBINARY(256)    NOT NULL,
  -- At most 1 MB (OCI's message limit); MEDIUMBLOB holds 16 MB.
  value           MEDIUMBLOB        NOT NULL,
  stored_at       DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (stream, partition_no, message_offset),
  KEY stream_messages_retention (stream, stored_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A consumer group's committed position: the last offset it has processed in each partition
-- (a group without a row reads from the oldest retained message).
CREATE TABLE stream_group_offsets (
  stream            VARCHAR(128)      NOT NULL,
  group_name        VARCHAR(128)      NOT NULL,
  partition_no      SMALLINT UNSIGNED NOT NULL,
  committed_offset  BIGINT UNSIGNED   NOT NULL,
  committed_at      DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (stream, group_name, partition_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The live instances of a group, for splitting partitions between them. An instance is live while
-- it has been seen in the last 30 s (OCI's group instance timeout); leaving deletes its row.
CREATE TABLE stream_group_instances (
  stream         VARCHAR(128) NOT NULL,
  group_name     VARCHAR(128) NOT NULL,
  instance_name  VARCHAR(128) NOT NULL,
  seen_at        DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (stream, group_name, instance_name),
  KEY stream_group_instances_seen (stream, group_name, seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
