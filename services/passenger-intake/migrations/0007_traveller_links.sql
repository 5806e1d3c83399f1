-- API–PNR links: one traveller on one flight, seen on the flight's API report and in a PNR of
-- their booking (src/link.rs). No personal data: ids, keys and what agreed.
CREATE TABLE traveller_links (
    agency            text NOT NULL,
    -- The flight as both records name it: flight_number_key(number), local departure date.
    carrier           text NOT NULL,
    flight_number     text NOT NULL,
    departure_date    date NOT NULL,
    api_flight_id     uuid NOT NULL REFERENCES flights (flight_id) ON DELETE CASCADE,
    api_traveller_key uuid NOT NULL,
    pnr_id            uuid NOT NULL REFERENCES pnrs (pnr_id) ON DELETE CASCADE,
    pnr_traveller_key uuid NOT NULL,
    -- LinkEvidence names: RECORD_LOCATOR, NAME, DATE_OF_BIRTH, DOCUMENT.
    evidence          text[] NOT NULL,
    -- Orders the linked traveller's assessments across both records' versions.
    subject_version   integer NOT NULL,
    linked_at         timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_flight_id, api_traveller_key),
    UNIQUE (pnr_id, pnr_traveller_key, carrier, flight_number, departure_date)
);
CREATE INDEX traveller_links_flight ON traveller_links (agency, carrier, flight_number, departure_date);

-- Flight numbers as API reports and PNRs compare them: without leading zeros (JU0123 = JU123).
CREATE FUNCTION flight_number_key(number text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN COALESCE(NULLIF(ltrim(upper(number), '0'), ''), upper(number));

CREATE INDEX pnr_versions_flight_key
    ON pnr_versions (agency, flight_carrier, flight_number_key(flight_number), flight_departure_date);
CREATE INDEX pnr_segments_flight_key
    ON pnr_segments (marketing_carrier, flight_number_key(marketing_flight_number), departure_date);
CREATE INDEX flights_flight_key
    ON flights (agency, carrier, flight_number_key(flight_number), departure_date);
CREATE INDEX pnr_segments_operating_flight_key
    ON pnr_segments (operating_carrier, flight_number_key(operating_flight_number), departure_date);
