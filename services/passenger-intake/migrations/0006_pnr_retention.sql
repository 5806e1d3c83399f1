-- PNR retention (Directive (EU) 2016/681 art. 12): six months after transfer a version's
-- personal data is masked in the tables every read goes through; the whole version is kept
-- here, apart, for re-personalisation on a competent authority's approval (RepersonalisePnr),
-- and deleted with the version after five years.
CREATE TABLE pnr_sealed (
    version_id uuid PRIMARY KEY REFERENCES pnr_versions (version_id) ON DELETE CASCADE,
    -- gatehouse.v1.Pnr of the version as received.
    pnr        bytea NOT NULL,
    sealed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pnr_versions_received ON pnr_versions (received_at);
