-- Assessments of PNR travellers follow the PNR's retention (Directive (EU) 2016/681 art. 12):
-- the traveller and the hits' values are masked after the masking period, the row deleted after
-- the retention period. The dedupe key tells a PNR traveller's assessment (`pnr/...`).
ALTER TABLE assessments
    ADD COLUMN dedupe_key text NOT NULL DEFAULT '',
    ADD COLUMN masked_at  timestamptz;

CREATE INDEX assessments_pnr_assessed ON assessments (assessed_at) WHERE dedupe_key LIKE 'pnr/%';
