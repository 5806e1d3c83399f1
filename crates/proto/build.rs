//! Compiles `proto/gatehouse/v1/*.proto` with protox (pure Rust), so a fresh machine needs no protoc.

use std::{env, fs, io, path::PathBuf};

use prost::Message;

/// Keep in step with `personal_data!` in src/lib.rs.
const PERSONAL: &[&str] = &[
    "Traveller",
    "TravelDocument",
    "FrequentFlyer",
    "PnrTraveller",
    "Payment",
    "Contact",
    "Remark",
    "Party",
    "Address",
    "TravellerSummary",
    "Hit",
    "WatchlistDocument",
    "WatchlistEntry",
    "ScreenNameRequest",
    "ScreeningCandidate",
    "SubmitPaxlstRequest",
    "SubmitPnrgovRequest",
    "SubmitCuscarRequest",
    "SubmitCargoImpRequest",
    "ImportWatchlistRequest",
    "SearchTravellersRequest",
    "NameCriterion",
    "ConsignmentSummary",
    "SearchConsignmentsRequest",
];

fn main() -> io::Result<()> {
    // Read when the script runs, not baked in when it is compiled: cargo reuses one build-script
    // binary for checkouts of the workspace at other paths sharing a target directory, and a
    // compile-time path would make it read the other checkout's contracts.
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .ok_or_else(|| io::Error::other("CARGO_MANIFEST_DIR is not set"))?;
    let root = PathBuf::from(manifest_dir).join("../../proto");
    let dir = root.join("gatehouse/v1");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    println!("cargo:rerun-if-changed={}", dir.display());
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    let fds = protox::compile(&files, [&root]).map_err(|e| io::Error::other(e.to_string()))?;
    let out = PathBuf::from(env::var("OUT_DIR").map_err(io::Error::other)?);
    fs::write(out.join("gatehouse_descriptor.bin"), fds.encode_to_vec())?;

    tonic_prost_build::configure()
        // Messages holding personal data get a masking `Debug` (src/lib.rs) instead of the derive.
        .skip_debug(PERSONAL.iter().map(|name| format!(".gatehouse.v1.{name}")))
        .build_client(true)
        .build_server(true)
        // RPCs that a later issue implements answer UNIMPLEMENTED until then.
        .generate_default_stubs(true)
        .compile_fds(fds)
}
