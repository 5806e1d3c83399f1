-- PNR travellers are counted apart from records (API travellers) until API–PNR linking can tell
-- that a PNR traveller and an API traveller are one person, who must not be counted twice.
ALTER TABLE daily_statistics ADD COLUMN pnr_travellers bigint NOT NULL DEFAULT 0;
