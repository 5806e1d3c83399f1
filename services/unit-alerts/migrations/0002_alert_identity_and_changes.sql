-- Alerts are identified by their subject: one open alert per dedupe key and unit, updated by later
-- assessments of the same subject (revision + 1). Rows of 0001 keep their assessment as key.
ALTER TABLE alerts
    ADD COLUMN dedupe_key  text,
    ADD COLUMN revision    integer NOT NULL DEFAULT 1,
    -- What the current content was assessed from: the later record version wins, then the
    -- later assessment (a re-screen of the same version).
    ADD COLUMN record_version integer NOT NULL DEFAULT 0,
    ADD COLUMN assessed_at timestamptz;
UPDATE alerts SET dedupe_key = assessment_id, assessed_at = raised_at;
ALTER TABLE alerts
    ALTER COLUMN dedupe_key SET NOT NULL,
    ALTER COLUMN assessed_at SET NOT NULL,
    -- The sequence only orders ListAlerts pages now; it is no longer a resume cursor, so it is
    -- taken without a lock.
    ALTER COLUMN sequence SET DEFAULT nextval('alert_sequence');
ALTER TABLE alerts DROP CONSTRAINT IF EXISTS alerts_assessment_id_unit_id_key;
CREATE UNIQUE INDEX alerts_open_subject ON alerts (dedupe_key, unit_id) WHERE status <> 'closed';
CREATE INDEX alerts_subject ON alerts (dedupe_key, unit_id, record_version, assessed_at);

-- What SubscribeAlerts streams: every change of a unit's alerts, numbered 1, 2, 3 … per unit.
-- A change takes its number from the unit's counter row in the transaction that makes it, so the
-- row lock orders the unit's commits and numbers become visible in order. A cursor holds one
-- position per unit and reveals nothing of other units.
CREATE TABLE unit_change_counters (
    unit_id       text PRIMARY KEY,
    last_sequence bigint NOT NULL
);

CREATE TABLE alert_changes (
    unit_id       text NOT NULL,
    unit_sequence bigint NOT NULL,
    alert_id      uuid NOT NULL REFERENCES alerts (alert_id),
    kind          text NOT NULL CHECK (kind IN ('raised', 'updated')),
    -- gatehouse.v1.AlertAction of an update; 0 for a raise.
    action        integer NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, unit_sequence)
);

-- Alerts raised before this migration are their units' first changes.
INSERT INTO alert_changes (unit_id, unit_sequence, alert_id, kind, changed_at)
SELECT unit_id, row_number() OVER (PARTITION BY unit_id ORDER BY sequence), alert_id, 'raised', raised_at
FROM alerts;
INSERT INTO unit_change_counters (unit_id, last_sequence)
SELECT unit_id, count(*) FROM alerts GROUP BY unit_id;
