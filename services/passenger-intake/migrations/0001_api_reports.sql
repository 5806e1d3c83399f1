-- Advance passenger information as received from carriers: one report per flight message.
CREATE TABLE api_reports (
    report_id         uuid PRIMARY KEY,
    agency            text NOT NULL,
    -- Client idempotency key; a resubmission returns the stored result.
    message_id        text NOT NULL,
    sender            text NOT NULL,
    carrier           text NOT NULL,
    flight_number     text NOT NULL,
    departure_airport text NOT NULL,
    arrival_airport   text NOT NULL,
    departure_date    date NOT NULL,
    direction         text NOT NULL,
    scheduled_departure timestamptz,
    scheduled_arrival   timestamptz,
    traveller_count   integer NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, message_id)
);
CREATE INDEX api_reports_flight ON api_reports (carrier, flight_number, departure_date);

-- Personal data: read only through audited RPCs, masked and deleted by retention jobs.
CREATE TABLE api_travellers (
    traveller_id        uuid PRIMARY KEY,
    report_id           uuid NOT NULL REFERENCES api_reports (report_id) ON DELETE CASCADE,
    position            integer NOT NULL,
    traveller_ref       text NOT NULL,
    role                text NOT NULL,
    surname             text NOT NULL,
    given_names         text NOT NULL,
    date_of_birth       date,
    sex                 text NOT NULL,
    nationality         text NOT NULL,
    country_of_residence text NOT NULL,
    place_of_birth      text NOT NULL,
    embarkation_airport text NOT NULL,
    debarkation_airport text NOT NULL,
    seat                text NOT NULL,
    UNIQUE (report_id, position)
);

CREATE TABLE api_documents (
    traveller_id    uuid NOT NULL REFERENCES api_travellers (traveller_id) ON DELETE CASCADE,
    position        integer NOT NULL,
    document_type   text NOT NULL,
    number          text NOT NULL,
    issuing_country text NOT NULL,
    expiry_date     date,
    issue_date      date,
    PRIMARY KEY (traveller_id, position)
);
