-- Tickets belong to people (issue 16). A signed-in person buys and holds tickets as themselves:
-- seat_holds.buyer_user_id and tickets.holder_user_id name the person (users.id). API keys go on
-- acting for their organisation through buyer_org_id / holder_org_id, so integrations (a box
-- office) keep working. An order and its tickets name a person, an organisation, or both (the
-- migrated rows below); never neither (the CHECK constraints, enforced by MariaDB >= 10.2 and
-- MySQL >= 8.0.16).
--
-- Owned by shared/shows/ (seat-holds.ts, fulfilment.ts, tickets.ts, ticket-repository.ts).
ALTER TABLE seat_holds
  MODIFY COLUMN buyer_org_id CHAR(26) NULL,
  ADD COLUMN buyer_user_id CHAR(26) NULL AFTER buyer_org_id,
  ADD KEY seat_holds_buyer_user (buyer_user_id, id),
  ADD CONSTRAINT seat_holds_buyer_user_fk FOREIGN KEY (buyer_user_id) REFERENCES users (id),
  ADD CONSTRAINT seat_holds_one_buyer CHECK (buyer_org_id IS NOT NULL OR buyer_user_id IS NOT NULL);

ALTER TABLE tickets
  MODIFY COLUMN holder_org_id CHAR(26) NULL,
  ADD COLUMN holder_user_id CHAR(26) NULL AFTER holder_org_id,
  -- A person's tickets, per show and status (their list, and playback/chat admission).
  ADD KEY tickets_holder_user (holder_user_id, show_id, status),
  ADD CONSTRAINT tickets_holder_user_fk FOREIGN KEY (holder_user_id) REFERENCES users (id),
  ADD CONSTRAINT tickets_one_holder CHECK (holder_org_id IS NOT NULL OR holder_user_id IS NOT NULL);

-- Data: before this migration a person bought tickets through a viewer organisation of their own.
-- Orders and tickets of a viewer organisation (organisations.kind = 'viewer') with exactly one
-- member become that person's too: buyer_user_id / holder_user_id is set to the member, and
-- buyer_org_id / holder_org_id is kept, so the organisation's API keys still see them and nothing
-- is lost. Viewer organisations with several members (or none), and organisations of other kinds
-- (a box office), keep their tickets as the organisation's only: no single person owns them.
UPDATE seat_holds h
  JOIN organisations o ON o.id = h.buyer_org_id AND o.kind = 'viewer'
  JOIN (SELECT org_id, MIN(user_id) AS user_id FROM memberships GROUP BY org_id HAVING COUNT(*) = 1) m
    ON m.org_id = o.id
   SET h.buyer_user_id = m.user_id
 WHERE h.buyer_user_id IS NULL;

UPDATE tickets t
  JOIN organisations o ON o.id = t.holder_org_id AND o.kind = 'viewer'
  JOIN (SELECT org_id, MIN(user_id) AS user_id FROM memberships GROUP BY org_id HAVING COUNT(*) = 1) m
    ON m.org_id = o.id
   SET t.holder_user_id = m.user_id
 WHERE t.holder_user_id IS NULL;
