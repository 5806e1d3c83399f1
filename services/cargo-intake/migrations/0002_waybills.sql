-- Waybills on file: an air waybill (FWB) or the house waybills of a master (FHL) received
-- before, or besides, the flight manifest (FFM) that lists them. Each waybill is a version of its
-- consignment that no movement lists; a flight manifest's consignment of the same key is
-- completed from the latest of them.

-- One Cargo-IMP FWB or FHL message received, with its idempotency key; the consignment versions
-- it put on file name it.
CREATE TABLE waybill_messages (
    receipt_id  uuid PRIMARY KEY,
    agency      text NOT NULL,
    message_id  text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, message_id)
);

-- A consignment version comes from a manifest version (listed by it) or a waybill message (on
-- file), never both.
ALTER TABLE consignment_versions
    ALTER COLUMN manifest_version_id DROP NOT NULL,
    ADD COLUMN receipt_id uuid REFERENCES waybill_messages (receipt_id) ON DELETE CASCADE,
    ADD CONSTRAINT consignment_versions_one_source
        CHECK ((manifest_version_id IS NULL) <> (receipt_id IS NULL));

-- The latest waybill of a consignment; the waybills of a message.
CREATE INDEX consignment_versions_on_file ON consignment_versions (consignment_id, version DESC)
    WHERE receipt_id IS NOT NULL;
CREATE INDEX consignment_versions_receipt ON consignment_versions (receipt_id, ordinal)
    WHERE receipt_id IS NOT NULL;
