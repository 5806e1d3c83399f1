-- Alerts raised for units. The sequence is the resume cursor of SubscribeAlerts; numbers are
-- taken under a transaction lock so they become visible in order.
CREATE SEQUENCE alert_sequence;

CREATE TABLE alerts (
    alert_id      uuid PRIMARY KEY,
    sequence      bigint NOT NULL UNIQUE,
    unit_id       text NOT NULL,
    domain        text NOT NULL,
    status        text NOT NULL,
    severity      integer NOT NULL,
    score         double precision NOT NULL,
    assessment_id text NOT NULL,
    location      text NOT NULL,
    raised_at     timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    assigned_to   text NOT NULL DEFAULT '',
    outcome       integer NOT NULL DEFAULT 0,
    outcome_notes text NOT NULL DEFAULT '',
    -- Hits and subject (personal data) as the gatehouse.v1.Alert message raised.
    raised        bytea NOT NULL,
    -- One alert per assessment and unit, however often the assessment is delivered.
    UNIQUE (assessment_id, unit_id)
);
CREATE INDEX alerts_unit_sequence ON alerts (unit_id, sequence);
