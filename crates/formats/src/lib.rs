//! Pure readers for the border data formats Gatehouse ingests: no I/O, no async, no logging.
//!
//! # Supported
//!
//! - [`edifact`]: a tolerant UN/EDIFACT interchange reader. UNA service string advice with any
//!   separators (defaults without UNA), the release character, whitespace and CR/LF between
//!   segments, trailing junk after UNZ (a warning), UNB/UNG/UNE/UNH/UNT/UNZ with UNT, UNE and UNZ
//!   counts checked ([`ControlCounts`]), the UNH common access reference and sequence of transfers.
//!   [`edifact::decode_declared`] turns bytes into text by the character set UNB declares (UTF-8
//!   whatever is declared, ISO 8859-1 to -9 for UNOC to UNOK, 8-bit bytes under UNOA/UNOB read as
//!   ISO 8859-1 with a warning); [`edifact::decode`] is the lenient fallback for tools.
//! - [`paxlst`]: PAXLST (API passenger and crew lists, UN/EDIFACT D02B/D05B with the IATA and US
//!   APIS conventions used by GTAS): BGM, reporting party (NAD MS, COM), flight legs (TDT 20, LOC
//!   125/87/92/130, DTM 189/232), travellers (NAD FL/DDT/FM/DDU/COT with ATT, DTM, LOC, NAT, RFF,
//!   DOC, MEA, FTX, GEI, COM), CNT 41/42 checked, multi-part reassembly ([`paxlst::reassemble`]).
//! - [`pnrgov`]: PNRGOV (PNR pushes, IATA/ICAO guide 10.1 to 13.1 and what carriers send): every
//!   group from RCI to history (ABI/SAC) read into PNRs close to Directive (EU) 2016/681 Annex I,
//!   one `Result` per PNR, line-wrapped and other defective transmissions mended with warnings.
//! - [`cuscar`]: CUSCAR (customs cargo reports, UN/EDIFACT D95B, D99A, D03B and the US ACE
//!   profile): BGM function, transport stages (TDT with vessel and IMO number, LOC, DTM), parties,
//!   equipment (EQD, SEL), consignments (CNI with RFF/DOC transport documents, parties, routing)
//!   and goods items (GID, FTX, PIA/CST commodity codes, MEA, DGS, PCI, SGP placements); defects
//!   such as goods outside a consignment or equipment no EQD declares become warnings.
//! - [`cargo_imp`]: IATA Cargo-IMP, line based: FWB (air waybill with routing, parties, rate
//!   lines with goods and HS codes, SSR/OCI/SPH), FFM (flight manifest: points of unloading, ULDs
//!   and the AWBs in each, part shipments) and FHL (house waybills of a master); other message
//!   types are refused by type ([`cargo_imp::CargoImpError::Unsupported`]).
//! - [`watchlist`]: watchlist importers into one model ([`watchlist::WatchlistEntry`]): the UN
//!   Security Council consolidated list (XML), OFAC's SDN list (sdn.csv, alt.csv, add.csv) and
//!   Gatehouse's own CSV and JSON Lines formats, with [`watchlist::diff`] between two imports.
//!
//! Every message of an interchange has its own `Result`, so one unusable message does not hide the
//! others. Errors and warnings name the segment position, tag, element and rule, never a value;
//! personal values are wrapped in [`Personal`], whose `Debug` is masked.
//!
//! # Not yet
//!
//! - Repeating data elements (the repetition separator is read from UNA but not used to split).
//! - Syntax levels other than text: binary UNO segments, UNS sections, interactive EDIFACT (UIH).
//! - Validation against the PAXLST directory (mandatory segments, code lists): unknown segments are
//!   skipped with a warning; LOC qualifiers other than those listed are ignored with a warning.
//! - The Cargo-IMP Type B envelope (address lines before the message type).
//! - Time zones: DTM values are local times, kept as [`chrono::NaiveDateTime`].

pub mod cargo_imp;
pub mod cuscar;
pub mod diagnostic;
pub mod edifact;
pub mod paxlst;
pub mod personal;
pub mod pnrgov;
pub mod watchlist;

mod dates;

pub use diagnostic::{FormatError, MessageError, Repair, Rule, Warning, WarningKind};
pub use edifact::{ControlCounts, ReadOptions};
pub use personal::Personal;
