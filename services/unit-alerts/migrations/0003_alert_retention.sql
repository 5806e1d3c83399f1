-- Alerts about PNR travellers follow the PNR's retention (Directive (EU) 2016/681 art. 12): the
-- traveller and the hits' values of the raised alert are masked after the masking period; a
-- closed alert is deleted, with its change records, after the retention period.
ALTER TABLE alerts ADD COLUMN masked_at timestamptz;

CREATE INDEX alerts_pnr_raised ON alerts (raised_at) WHERE dedupe_key LIKE 'pnr/%';
