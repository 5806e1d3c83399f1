//! Generated Rust for the `gatehouse.v1` contracts in `proto/`.

#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
pub mod v1 {
    tonic::include_proto!("gatehouse.v1");
}

/// Encoded `FileDescriptorSet` of every `gatehouse.v1` file, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/gatehouse_descriptor.bin"));

/// Enum values as stored in columns and read by rules: the proto name in lowercase without its
/// type prefix (`DOCUMENT_TYPE_ID_CARD` → `id_card`).
pub mod labels {
    use super::v1;

    pub fn label(proto_name: &str, prefix: &str) -> String {
        proto_name.trim_start_matches(prefix).to_ascii_lowercase()
    }

    pub fn document_type(value: i32) -> String {
        let kind = v1::DocumentType::try_from(value).unwrap_or(v1::DocumentType::Unspecified);
        label(kind.as_str_name(), "DOCUMENT_TYPE_")
    }

    pub fn domain(value: i32) -> String {
        let domain = v1::Domain::try_from(value).unwrap_or(v1::Domain::Unspecified);
        label(domain.as_str_name(), "DOMAIN_")
    }

    /// `passenger`, `crew` or `in_transit`; a carrier that leaves the role out lists a passenger.
    pub fn traveller_role(value: i32) -> &'static str {
        match v1::TravellerRole::try_from(value).unwrap_or(v1::TravellerRole::Unspecified) {
            v1::TravellerRole::Unspecified | v1::TravellerRole::Passenger => "passenger",
            v1::TravellerRole::Crew => "crew",
            v1::TravellerRole::InTransit => "in_transit",
        }
    }
}

impl v1::ConsignmentSummary {
    /// What an assessment, alert or search shows of `consignment` on `manifest`: its ports are
    /// the manifest's where it gives none of its own.
    pub fn of(
        manifest_id: &str,
        consignment_id: &str,
        manifest: &v1::CargoManifest,
        consignment: &v1::Consignment,
    ) -> Self {
        let name =
            |party: &Option<v1::Party>| party.as_ref().map(|p| p.name.clone()).unwrap_or_default();
        let or = |own: &str, manifest: &str| if own.is_empty() { manifest } else { own }.to_owned();
        Self {
            manifest_id: manifest_id.to_owned(),
            consignment_id: consignment_id.to_owned(),
            transport_document_number: consignment.transport_document_number.clone(),
            mode: manifest.mode,
            consignor_name: name(&consignment.consignor),
            consignee_name: name(&consignment.consignee),
            hs_codes: consignment
                .goods_items
                .iter()
                .map(|g| g.hs_code.clone())
                .filter(|c| !c.is_empty())
                .collect(),
            container_numbers: consignment
                .containers
                .iter()
                .map(|c| c.number.clone())
                .collect(),
            port_of_loading: or(&consignment.port_of_loading, &manifest.port_of_loading),
            port_of_discharge: or(&consignment.port_of_discharge, &manifest.port_of_discharge),
        }
    }
}

/// `Debug` for messages that hold personal data (names, documents, contacts, payment, raw
/// messages): prints the type only, so a stray `{:?}` in a log or span cannot leak them.
macro_rules! personal_data {
    ($($name:ident),+ $(,)?) => {
        $(
            impl std::fmt::Debug for v1::$name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(concat!(stringify!($name), " { *** masked *** }"))
                }
            }
        )+
    };
}

personal_data!(
    Traveller,
    TravelDocument,
    FrequentFlyer,
    PnrTraveller,
    Payment,
    Contact,
    Remark,
    Party,
    Address,
    TravellerSummary,
    Hit,
    WatchlistDocument,
    WatchlistEntry,
    ScreenNameRequest,
    ScreeningCandidate,
    SubmitPaxlstRequest,
    SubmitPnrgovRequest,
    SubmitCuscarRequest,
    SubmitCargoImpRequest,
    ImportWatchlistRequest,
    SearchTravellersRequest,
    NameCriterion,
    ConsignmentSummary,
    SearchConsignmentsRequest,
);

#[cfg(test)]
mod tests {
    use super::{labels, v1};

    #[test]
    fn labels_drop_the_type_prefix() {
        assert_eq!(
            labels::document_type(v1::DocumentType::IdCard as i32),
            "id_card"
        );
        assert_eq!(labels::domain(v1::Domain::Passenger as i32), "passenger");
        assert_eq!(labels::domain(99), "unspecified");
        assert_eq!(
            labels::traveller_role(v1::TravellerRole::Unspecified as i32),
            "passenger"
        );
        assert_eq!(
            labels::traveller_role(v1::TravellerRole::InTransit as i32),
            "in_transit"
        );
    }

    #[test]
    fn personal_data_never_prints() {
        let report = v1::ApiReport {
            travellers: vec![v1::Traveller {
                surname: "PETROVIC".into(),
                documents: vec![v1::TravelDocument {
                    number: "AB123456".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let printed = format!("{report:?}");
        assert!(
            !printed.contains("PETROVIC") && !printed.contains("AB123456"),
            "{printed}"
        );
        assert!(
            printed.contains("Traveller { *** masked *** }"),
            "{printed}"
        );
        let hit = v1::Hit {
            evidence: [("document.number".to_owned(), "AB123456".to_owned())].into(),
            ..Default::default()
        };
        assert!(!format!("{hit:?}").contains("AB123456"));
    }
}
