-- Shadow hits are counted apart from hits: they show what a rule in shadow mode would have
-- raised without ever raising it.
ALTER TABLE daily_statistics ADD COLUMN shadow_hits bigint NOT NULL DEFAULT 0;

-- The subjects (a traveller on a flight, a consignment) already counted as a hit or a shadow
-- hit in a row: a re-assessment of the same subject (a later report version, a PNR push) must
-- not count it again.
CREATE TABLE counted_subjects (
    unit_id    text NOT NULL,
    day        date NOT NULL,
    domain     text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('hit', 'shadow_hit')),
    dedupe_key text NOT NULL,
    PRIMARY KEY (unit_id, day, domain, kind, dedupe_key)
);
