-- Counts per unit, day (UTC) and domain. Consumers add to them exactly once per event (see the
-- inbox); the outcome columns are filled when closed alerts are counted.
CREATE TABLE daily_statistics (
    unit_id         text   NOT NULL,
    day             date   NOT NULL,
    domain          text   NOT NULL CHECK (domain IN ('passenger', 'cargo')),
    records         bigint NOT NULL DEFAULT 0,
    hits            bigint NOT NULL DEFAULT 0,
    alerts          bigint NOT NULL DEFAULT 0,
    seizures        bigint NOT NULL DEFAULT 0,
    nothing_found   bigint NOT NULL DEFAULT 0,
    false_positives bigint NOT NULL DEFAULT 0,
    referred        bigint NOT NULL DEFAULT 0,
    not_controlled  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, day, domain)
);
