-- What GetApiReport returns and SearchTravellers finds: the fields of a report that were only
-- published before, and a document number in the form searches compare.
ALTER TABLE api_reports ADD COLUMN sent_at timestamptz;

ALTER TABLE api_travellers
    ADD COLUMN record_locator            text NOT NULL DEFAULT '',
    ADD COLUMN final_destination_airport text NOT NULL DEFAULT '';

ALTER TABLE api_documents ADD COLUMN number_normalized text;

CREATE INDEX api_documents_number ON api_documents (number_normalized);
CREATE INDEX api_travellers_surname ON api_travellers (lower(surname));
CREATE INDEX api_reports_flight ON api_reports (agency, carrier, flight_number, departure_date);

-- Documents stored before: the same normalisation as gatehouse_matching::document.
UPDATE api_documents
SET number_normalized = NULLIF(upper(regexp_replace(number, '[^[:alnum:]]', '', 'g')), '');
