-- Watchlists: persons, travel documents and entities of interest, with their source.
CREATE TABLE watchlists (
    watchlist_id uuid PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    kind         text NOT NULL,
    description  text NOT NULL,
    source       text NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE watchlist_entries (
    entry_id      uuid PRIMARY KEY,
    watchlist_id  uuid NOT NULL REFERENCES watchlists (watchlist_id) ON DELETE CASCADE,
    external_ref  text NOT NULL,
    names         text[] NOT NULL,
    date_of_birth text NOT NULL,
    nationality   text NOT NULL,
    reason        text NOT NULL,
    severity      text NOT NULL,
    target_units  text[] NOT NULL,
    valid_until   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watchlist_entries_list ON watchlist_entries (watchlist_id);

CREATE TABLE watchlist_documents (
    entry_id          uuid NOT NULL REFERENCES watchlist_entries (entry_id) ON DELETE CASCADE,
    position          integer NOT NULL,
    document_type     text NOT NULL,
    number            text NOT NULL,
    -- Letters and digits only, uppercased: what screening compares.
    number_normalized text NOT NULL,
    issuing_country   text NOT NULL,
    PRIMARY KEY (entry_id, position)
);
CREATE INDEX watchlist_documents_number ON watchlist_documents (number_normalized);

-- AddWatchlistEntries idempotency: a resubmitted message_id returns the first result.
CREATE TABLE watchlist_submissions (
    watchlist_id uuid NOT NULL REFERENCES watchlists (watchlist_id) ON DELETE CASCADE,
    message_id   text NOT NULL,
    entry_ids    uuid[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (watchlist_id, message_id)
);

-- Rules: immutable versions; only the status of a version changes.
CREATE TABLE rules (
    rule_id      text NOT NULL,
    version      integer NOT NULL,
    name         text NOT NULL,
    description  text NOT NULL,
    domain       text NOT NULL,
    expression   text NOT NULL,
    weight       double precision NOT NULL,
    severity     text NOT NULL,
    status       text NOT NULL,
    target_units text[] NOT NULL,
    valid_from   timestamptz,
    valid_to     timestamptz,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_id, version)
);
CREATE INDEX rules_live ON rules (status) WHERE status IN ('shadow', 'active');

-- Publication log: every status change of a rule version, who made it and why.
CREATE TABLE rule_publications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id     text NOT NULL,
    version     integer NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    reason      text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);

-- Assessments with hits, kept for review, backtest comparison and hit-rate statistics.
CREATE TABLE assessments (
    assessment_id   uuid PRIMARY KEY,
    source_event_id text NOT NULL,
    domain          text NOT NULL,
    subject_id      text NOT NULL,
    score           double precision NOT NULL,
    severity        text NOT NULL,
    location        text NOT NULL,
    -- The gatehouse.v1.Assessment message as published.
    assessment      bytea NOT NULL,
    assessed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessments_source ON assessments (source_event_id);
