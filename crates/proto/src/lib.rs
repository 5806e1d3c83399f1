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
);

#[cfg(test)]
mod tests {
    use super::v1;

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
