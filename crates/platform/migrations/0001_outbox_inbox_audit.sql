-- Tables every service keeps in its own schema: transactional outbox, consumer inbox, audit log.

-- Events written in the same transaction as the records they describe; the relay publishes them.
CREATE TABLE outbox (
    event_id     uuid PRIMARY KEY,
    subject      text NOT NULL,
    event_type   text NOT NULL,
    payload      bytea NOT NULL,
    trace_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (created_at) WHERE published_at IS NULL;

-- Event ids a consumer has applied: a redelivered event is acknowledged without being applied again.
CREATE TABLE inbox (
    consumer   text NOT NULL,
    event_id   text NOT NULL,
    subject    text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Append-only record of reads of personal data and of decisions: who, when, what, why.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor         text NOT NULL,
    agency        text NOT NULL,
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_ids  text[] NOT NULL,
    reason        text
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
