-- Cargo pre-arrival records. A movement (voyage, flight, road or rail trip into the territory)
-- has one id and a current version: every manifest for it is a version that supersedes the one
-- before. A consignment (transport document + issuer) is a record of its own, versioned the same
-- way, and listed by the manifest versions that carry it.
--
-- The agency is part of every key: what one agency received never supersedes another's.

CREATE TABLE manifests (
    manifest_id        uuid PRIMARY KEY,
    agency             text NOT NULL,
    mode               text NOT NULL,
    carrier            text NOT NULL,
    voyage_number      text NOT NULL,
    place_of_entry     text NOT NULL,
    -- Air only: flight numbers repeat every day, so the UTC date of the estimated arrival is part
    -- of the key; NULL for sea, road and rail, whose voyage numbers do not repeat that way.
    arrival_date       date,
    version            integer NOT NULL,
    -- The latest version was a CANCEL.
    cancelled          boolean NOT NULL DEFAULT false,
    current_version_id uuid NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (agency, mode, carrier, voyage_number, place_of_entry, arrival_date)
);

CREATE TABLE manifest_versions (
    version_id          uuid PRIMARY KEY,
    manifest_id         uuid NOT NULL REFERENCES manifests (manifest_id) ON DELETE CASCADE,
    version             integer NOT NULL,
    agency              text NOT NULL,
    message_id          text NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    function            text NOT NULL,
    manifest_ref        text NOT NULL,
    sender              text NOT NULL,
    vessel_name         text NOT NULL,
    imo_number          text NOT NULL,
    conveyance_nationality text NOT NULL,
    port_of_loading     text NOT NULL,
    port_of_discharge   text NOT NULL,
    estimated_arrival   timestamptz,
    estimated_departure timestamptz,
    -- Consignments this version lists (carried over from the version before included, for an
    -- UPDATE).
    consignment_count   integer NOT NULL,
    -- A CANCEL naming consignments: the ids of those it withdrew (found in the listing before),
    -- in the order named, what a resend of it answers again.
    withdrawn           text[] NOT NULL,
    -- The manifest as validated without its consignments (protobuf `CargoManifest`): those are
    -- rows of consignment_versions, listed in manifest_consignments.
    header              bytea NOT NULL,
    UNIQUE (agency, message_id),
    UNIQUE (manifest_id, version)
);
CREATE INDEX manifest_versions_arrival ON manifest_versions (estimated_arrival);
CREATE INDEX manifest_versions_imo ON manifest_versions (imo_number) WHERE imo_number <> '';

CREATE TABLE consignments (
    consignment_id     uuid PRIMARY KEY,
    agency             text NOT NULL,
    -- SCAC, IATA prefix or forwarder id: with the number, the natural key.
    issuer             text NOT NULL,
    document_number    text NOT NULL,
    version            integer NOT NULL,
    current_version_id uuid NOT NULL,
    -- The consignee's and consignor's history as it was when the consignment was first seen
    -- (protobuf `PartyHistory`; NULL for a party without identifier or name): every version's
    -- event carries it, so a rule on it judges an amendment as it judged the original.
    consignee_history  bytea,
    consignor_history  bytea,
    first_seen_at      timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, issuer, document_number)
);

CREATE TABLE consignment_versions (
    version_id             uuid PRIMARY KEY,
    consignment_id         uuid NOT NULL REFERENCES consignments (consignment_id) ON DELETE CASCADE,
    version                integer NOT NULL,
    -- The manifest version that brought this version.
    manifest_version_id    uuid NOT NULL REFERENCES manifest_versions (version_id) ON DELETE CASCADE,
    -- Position in that manifest as submitted.
    ordinal                integer NOT NULL,
    master_document_number text NOT NULL,
    consignor_name         text NOT NULL,
    consignor_country      text NOT NULL,
    consignee_name         text NOT NULL,
    consignee_country      text NOT NULL,
    notify_name            text NOT NULL,
    port_of_loading        text NOT NULL,
    port_of_discharge      text NOT NULL,
    gross_weight_kg        double precision NOT NULL,
    package_count          bigint NOT NULL,
    -- The consignment as validated (protobuf `Consignment`).
    record                 bytea NOT NULL,
    UNIQUE (consignment_id, version)
);
CREATE INDEX consignment_versions_manifest ON consignment_versions (manifest_version_id, ordinal);
CREATE INDEX consignment_versions_master ON consignment_versions (master_document_number)
    WHERE master_document_number <> '';

-- The consignment versions a manifest version lists, in the manifest's order.
CREATE TABLE manifest_consignments (
    manifest_version_id    uuid NOT NULL REFERENCES manifest_versions (version_id) ON DELETE CASCADE,
    ordinal                integer NOT NULL,
    consignment_version_id uuid NOT NULL REFERENCES consignment_versions (version_id) ON DELETE CASCADE,
    PRIMARY KEY (manifest_version_id, ordinal)
);
CREATE INDEX manifest_consignments_consignment ON manifest_consignments (consignment_version_id);

-- Equipment of a consignment version, for look-ups by container number.
CREATE TABLE consignment_containers (
    version_id uuid NOT NULL REFERENCES consignment_versions (version_id) ON DELETE CASCADE,
    ordinal    integer NOT NULL,
    number     text NOT NULL,
    size_type  text NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);
CREATE INDEX consignment_containers_number ON consignment_containers (number);

-- Intake's own read model of the parties it has seen: a party (by identifier, else by name and
-- country) in a role, how many consignments named it and where they were loaded. Only the first
-- version of a consignment counts.
CREATE TABLE party_history (
    agency        text NOT NULL,
    role          text NOT NULL,
    party_key     uuid NOT NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    consignments  integer NOT NULL,
    -- ISO 3166-1 alpha-3 countries of loading, most recent first, bounded.
    origins       text[] NOT NULL,
    PRIMARY KEY (agency, role, party_key)
);
