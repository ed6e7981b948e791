-- A person's analytics consent (issue 17): whether their page views and key actions may carry
-- identifiers and go on to Google Analytics. NULL is "never asked", which counts as no consent;
-- the time is when they last chose, so a change of policy can ask again those who chose before it.
-- Visitors who are not signed in keep their choice in their own browser only.
--
-- Owned by shared/people/user-repository.ts.
ALTER TABLE users
  ADD COLUMN analytics_consent ENUM('granted', 'denied') NULL AFTER locale,
  ADD COLUMN analytics_consent_at DATETIME(3) NULL AFTER analytics_consent;
