-- Record identity and versions: a flight (natural key) has one stable id and a current version;
-- every report for it is a version that supersedes the one before.
--
-- The agency is part of the key: a report sent to one agency never supersedes (or cancels)
-- what another agency received.
CREATE TABLE flights (
    flight_id         uuid PRIMARY KEY,
    agency            text NOT NULL,
    carrier           text NOT NULL,
    flight_number     text NOT NULL,
    departure_date    date NOT NULL,
    direction         text NOT NULL,
    -- Part of a report sent in parts; 0 = not split.
    part_number       integer NOT NULL,
    version           integer NOT NULL,
    -- The latest version was a CANCEL.
    cancelled         boolean NOT NULL DEFAULT false,
    current_report_id uuid NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, carrier, flight_number, departure_date, direction, part_number)
);

ALTER TABLE api_reports
    ADD COLUMN flight_id   uuid REFERENCES flights (flight_id),
    ADD COLUMN version     integer,
    ADD COLUMN function    text NOT NULL DEFAULT 'original',
    ADD COLUMN part_number integer NOT NULL DEFAULT 0,
    ADD COLUMN part_count  integer NOT NULL DEFAULT 0;

-- Reports stored before versions existed: each flight's reports become versions 1, 2, ... in
-- the order they were received.
INSERT INTO flights (flight_id, agency, carrier, flight_number, departure_date, direction,
                     part_number, version, current_report_id, updated_at)
SELECT DISTINCT ON (agency, carrier, flight_number, departure_date, direction)
       report_id, agency, carrier, flight_number, departure_date, direction, 0,
       count(*) OVER (PARTITION BY agency, carrier, flight_number, departure_date, direction),
       report_id, received_at
FROM api_reports
ORDER BY agency, carrier, flight_number, departure_date, direction, received_at DESC, report_id DESC;

UPDATE api_reports r
SET flight_id = f.flight_id,
    version = v.version
FROM (SELECT report_id,
             row_number() OVER (PARTITION BY agency, carrier, flight_number, departure_date, direction
                                ORDER BY received_at, report_id) AS version
      FROM api_reports) v,
     flights f
WHERE v.report_id = r.report_id
  AND f.agency = r.agency AND f.carrier = r.carrier AND f.flight_number = r.flight_number
  AND f.departure_date = r.departure_date AND f.direction = r.direction AND f.part_number = 0;

ALTER TABLE api_reports
    ALTER COLUMN flight_id SET NOT NULL,
    ALTER COLUMN version SET NOT NULL,
    ADD CONSTRAINT api_reports_flight_version UNIQUE (flight_id, version);
DROP INDEX api_reports_flight;

-- Identity of the traveller on the flight (keys::traveller_key); NULL for travellers stored
-- before keys existed.
ALTER TABLE api_travellers ADD COLUMN traveller_key uuid;

-- Every traveller ever listed on a flight: a traveller not yet here is new to the flight.
CREATE TABLE flight_travellers (
    flight_id       uuid NOT NULL REFERENCES flights (flight_id) ON DELETE CASCADE,
    traveller_key   uuid NOT NULL,
    first_report_id uuid NOT NULL,
    PRIMARY KEY (flight_id, traveller_key)
);
