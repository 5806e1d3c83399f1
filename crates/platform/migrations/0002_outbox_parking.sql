-- Published events are deleted, not marked. An event that can never be published (larger than
-- the server accepts) is parked with its error, so it holds up nothing behind it.
DELETE FROM outbox WHERE published_at IS NOT NULL;
DROP INDEX outbox_pending;
ALTER TABLE outbox DROP COLUMN published_at;
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error text;
ALTER TABLE outbox ADD COLUMN parked_at timestamptz;
CREATE INDEX outbox_pending ON outbox (created_at) WHERE parked_at IS NULL;

CREATE INDEX inbox_applied_at ON inbox (applied_at);
