-- Parts of multi-part PAXLST messages (UNH common access reference with a sequence of transfers)
-- waiting for the rest. A part keeps the interchange it came in and its position there, so the
-- whole message is put together by the parser from the parts as sent; once it is, the text is
-- dropped and the row only answers a resent part as a duplicate until it is purged.
CREATE TABLE paxlst_parts (
    agency           text NOT NULL,
    -- UNB sender identification.
    sender           text NOT NULL,
    common_reference text NOT NULL,
    sequence         integer NOT NULL,
    final            boolean NOT NULL,
    message_id       text NOT NULL,
    -- NULL once the whole message is stored.
    interchange      text,
    -- 1-based position of the part's UNH in the interchange.
    message_index    integer NOT NULL,
    -- The report the parts were put together into.
    report_id        uuid,
    received_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, sender, common_reference, sequence)
);

CREATE INDEX paxlst_parts_received ON paxlst_parts (received_at);
