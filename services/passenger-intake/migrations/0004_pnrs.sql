-- Passenger Name Records (Directive (EU) 2016/681 annex I) as pushed by carriers.
--
-- A booking (agency, carrier, record locator) has one stable id and a current version; every
-- accepted push of it (scheduled at -48 h, -24 h and at closure, or ad hoc) is a new version
-- that supersedes the one before. The agency is part of the key: what one agency received never
-- supersedes another agency's booking.
CREATE TABLE pnrs (
    pnr_id             uuid PRIMARY KEY,
    agency             text NOT NULL,
    carrier            text NOT NULL,
    record_locator     text NOT NULL,
    version            integer NOT NULL,
    current_version_id uuid NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, carrier, record_locator)
);

-- One row per accepted push. Enumerations are stored as their lowercase label, dates and
-- instants as dates and timestamptz; `masked_at` is set by the retention job once the version
-- is past the depersonalisation period (art. 12(2)).
CREATE TABLE pnr_versions (
    version_id                 uuid PRIMARY KEY,
    pnr_id                     uuid NOT NULL REFERENCES pnrs (pnr_id) ON DELETE CASCADE,
    version                    integer NOT NULL,
    agency                     text NOT NULL,
    -- Client idempotency key; a resubmission returns the stored result.
    message_id                 text NOT NULL,
    received_at                timestamptz NOT NULL DEFAULT now(),
    transfer                   text NOT NULL,
    sent_at                    timestamptz,
    created_at                 timestamptz,
    last_modified_at           timestamptz,
    sender                     text NOT NULL,
    reservation_system         text NOT NULL,
    -- The flight the PNR was pushed for.
    flight_carrier             text NOT NULL,
    flight_number              text NOT NULL,
    flight_departure_date      date NOT NULL,
    flight_departure_airport   text NOT NULL,
    flight_arrival_airport     text NOT NULL,
    flight_scheduled_departure timestamptz,
    flight_scheduled_arrival   timestamptz,
    flight_direction           text NOT NULL,
    -- Travellers in the booking as the carrier counts them (may exceed those listed).
    traveller_count            integer NOT NULL,
    -- Travellers listed in this version (rows of pnr_travellers).
    listed_travellers          integer NOT NULL,
    group_name                 text NOT NULL,
    split                      boolean NOT NULL,
    related_record_locators    text[] NOT NULL,
    -- NULL when the PNR names no travel agency.
    agency_name                text,
    agency_iata_number         text,
    agency_office_id           text,
    agency_agent_id            text,
    agency_city                text,
    agency_country             text,
    agency_phone               text,
    masked_at                  timestamptz,
    UNIQUE (agency, message_id),
    UNIQUE (pnr_id, version)
);
CREATE INDEX pnr_versions_flight ON pnr_versions (flight_carrier, flight_number, flight_departure_date);

-- Children of a version, keyed by (version_id, ordinal): the position in the submitted list.
-- Personal data: read only through audited RPCs, masked and deleted by retention jobs.
CREATE TABLE pnr_travellers (
    version_id           uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal              integer NOT NULL,
    traveller_id         uuid NOT NULL UNIQUE,
    -- Identity of the traveller in the booking, the same in every version (keys::traveller_key).
    traveller_key        uuid NOT NULL,
    traveller_ref        text NOT NULL,
    surname              text NOT NULL,
    given_names          text NOT NULL,
    title                text NOT NULL,
    passenger_type       text NOT NULL,
    date_of_birth        date,
    sex                  text NOT NULL,
    nationality          text NOT NULL,
    country_of_residence text NOT NULL,
    place_of_birth       text NOT NULL,
    -- Address as {address_lines, city, postcode, country_subdivision, country}; NULL when absent.
    residence_address    jsonb,
    destination_address  jsonb,
    accompanied_by_ref   text NOT NULL,
    unaccompanied_minor  boolean NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_documents (
    version_id        uuid NOT NULL,
    traveller_ordinal integer NOT NULL,
    ordinal           integer NOT NULL,
    document_type     text NOT NULL,
    number            text NOT NULL,
    -- gatehouse_matching::document::normalize_document_number, what screening compares.
    number_normalized text NOT NULL,
    issuing_country   text NOT NULL,
    expiry_date       date,
    issue_date        date,
    PRIMARY KEY (version_id, traveller_ordinal, ordinal),
    FOREIGN KEY (version_id, traveller_ordinal)
        REFERENCES pnr_travellers (version_id, ordinal) ON DELETE CASCADE
);
CREATE INDEX pnr_documents_number ON pnr_documents (number_normalized);

CREATE TABLE pnr_frequent_flyers (
    version_id        uuid NOT NULL,
    traveller_ordinal integer NOT NULL,
    ordinal           integer NOT NULL,
    carrier           text NOT NULL,
    number            text NOT NULL,
    tier              text NOT NULL,
    PRIMARY KEY (version_id, traveller_ordinal, ordinal),
    FOREIGN KEY (version_id, traveller_ordinal)
        REFERENCES pnr_travellers (version_id, ordinal) ON DELETE CASCADE
);

CREATE TABLE pnr_segments (
    version_id              uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal                 integer NOT NULL,
    segment_ref             text NOT NULL,
    marketing_carrier       text NOT NULL,
    marketing_flight_number text NOT NULL,
    operating_carrier       text NOT NULL,
    operating_flight_number text NOT NULL,
    departure_airport       text NOT NULL,
    arrival_airport         text NOT NULL,
    -- NULL for an open segment.
    departure_date          date,
    scheduled_departure     timestamptz,
    scheduled_arrival       timestamptz,
    booking_class           text NOT NULL,
    booking_status          text NOT NULL,
    open                    boolean NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_traveller_segments (
    version_id        uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal           integer NOT NULL,
    traveller_ref     text NOT NULL,
    segment_ref       text NOT NULL,
    status            text NOT NULL,
    seat              text NOT NULL,
    seat_details      text NOT NULL,
    check_in_sequence text NOT NULL,
    checked_in_at     timestamptz,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_contacts (
    version_id    uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal       integer NOT NULL,
    traveller_ref text NOT NULL,
    name          text NOT NULL,
    phone         text NOT NULL,
    email         text NOT NULL,
    address       jsonb,
    purpose       text NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_payments (
    version_id       uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal          integer NOT NULL,
    form             text NOT NULL,
    -- Money as sent (ISO 4217 code, whole units, nanos); all NULL when no amount is given.
    amount_currency  text,
    amount_units     bigint,
    amount_nanos     integer,
    card_type        text NOT NULL,
    card_number      text NOT NULL,
    card_holder_name text NOT NULL,
    card_expiry      text NOT NULL,
    billing_address  jsonb,
    paid_at          timestamptz,
    traveller_ref    text NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_tickets (
    version_id         uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal            integer NOT NULL,
    ticket_number      text NOT NULL,
    traveller_ref      text NOT NULL,
    issue_date         date,
    trip_type          text NOT NULL,
    segment_refs       text[] NOT NULL,
    fare_currency      text,
    fare_units         bigint,
    fare_nanos         integer,
    fare_calculation   text NOT NULL,
    validating_carrier text NOT NULL,
    electronic         boolean NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_bags (
    version_id                uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal                   integer NOT NULL,
    traveller_ref             text NOT NULL,
    segment_ref               text NOT NULL,
    piece_count               integer NOT NULL,
    weight_kg                 double precision NOT NULL,
    tag_numbers               text[] NOT NULL,
    final_destination_airport text NOT NULL,
    excess                    boolean NOT NULL,
    pooled_with_ref           text NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_remarks (
    version_id    uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal       integer NOT NULL,
    kind          text NOT NULL,
    code          text NOT NULL,
    carrier       text NOT NULL,
    text          text NOT NULL,
    traveller_ref text NOT NULL,
    segment_ref   text NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

CREATE TABLE pnr_history (
    version_id uuid NOT NULL REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    ordinal    integer NOT NULL,
    changed_at timestamptz,
    action     text NOT NULL,
    element    text NOT NULL,
    value      text NOT NULL,
    changed_by text NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);

-- Every traveller ever listed in a booking: a traveller not yet here is new to the booking.
CREATE TABLE pnr_booking_travellers (
    pnr_id           uuid NOT NULL REFERENCES pnrs (pnr_id) ON DELETE CASCADE,
    traveller_key    uuid NOT NULL,
    first_version_id uuid NOT NULL,
    PRIMARY KEY (pnr_id, traveller_key)
);
