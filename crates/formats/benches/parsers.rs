//! Throughput of the UN/EDIFACT reader and the PAXLST parser, in bytes of input per second, on
//! each GTAS fixture of `$GATEHOUSE_FIXTURES/paxlst` and on a synthetic interchange built here:
//! a list of 1,800 passengers sent in two parts of 900 (about 1 MB). The PNRGOV parser is measured
//! on `$GATEHOUSE_FIXTURES/pnrgov/pnrWithBags.txt` (about 250 KB).
//!
//! `cargo bench -p gatehouse-formats --bench parsers`. Without the fixtures only the synthetic
//! interchange is measured, and a line on stderr says why.

use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;
use gatehouse_formats::edifact::{self, ControlCounts, ReadOptions};
use gatehouse_formats::{paxlst, pnrgov};

/// Several fixtures carry stale UNT counts: warn, so that every message is read to its end.
const LENIENT: ReadOptions = ReadOptions {
    control_counts: ControlCounts::Warn,
};

/// Travellers per part, and parts, of the synthetic interchange.
const SYNTHETIC_PART: usize = 900;
const SYNTHETIC_PARTS: usize = 2;

struct Input {
    name: String,
    text: String,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

static PAXLST: LazyLock<Vec<Input>> = LazyLock::new(|| {
    let mut inputs = fixtures("paxlst");
    inputs.push(Input {
        name: format!("synthetic_{SYNTHETIC_PARTS}x{SYNTHETIC_PART}_travellers"),
        text: synthetic_paxlst(SYNTHETIC_PARTS, SYNTHETIC_PART),
    });
    for input in &inputs {
        // A benchmark of an input that fails early would measure the error path.
        match paxlst::parse_interchange_with(&input.text, LENIENT) {
            Ok(interchange) => {
                let messages = interchange.messages.iter().flatten();
                let travellers: usize = messages.map(|m| m.travellers.len()).sum();
                eprintln!(
                    "{input}: {} bytes, {} messages, {travellers} travellers",
                    input.text.len(),
                    interchange.messages.len(),
                );
            }
            Err(error) => eprintln!("{input}: does not parse ({error})"),
        }
    }
    inputs
});

static PNRGOV: LazyLock<Vec<Input>> = LazyLock::new(|| {
    let inputs: Vec<Input> = fixtures("pnrgov")
        .into_iter()
        .filter(|input| input.name == "pnrWithBags.txt")
        .collect();
    for input in &inputs {
        match pnrgov::parse_interchange_with(&input.text, LENIENT) {
            Ok(interchange) => {
                let messages = interchange.messages.iter().flatten();
                let pnrs: usize = messages.map(|m| m.pnrs.len()).sum();
                eprintln!("{input}: {} bytes, {pnrs} PNRs", input.text.len());
            }
            Err(error) => eprintln!("{input}: does not parse ({error})"),
        }
    }
    if inputs.is_empty() {
        eprintln!("pnrgov/pnrWithBags.txt is missing: the PNRGOV parser is not measured");
    }
    inputs
});

/// The files of `$GATEHOUSE_FIXTURES/<folder>` but their licence, decoded, by name.
fn fixtures(folder: &str) -> Vec<Input> {
    let Some(root) = std::env::var_os("GATEHOUSE_FIXTURES") else {
        eprintln!("GATEHOUSE_FIXTURES is not set: only the synthetic interchange is measured");
        return Vec::new();
    };
    let dir = Path::new(&root).join(folder);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!(
                "{} cannot be read ({error}): only the synthetic interchange is measured",
                dir.display()
            );
            return Vec::new();
        }
    };
    let mut inputs: Vec<Input> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if name.contains("LICENSE") {
                return None;
            }
            let bytes = std::fs::read(entry.path()).ok()?;
            let text = edifact::decode(&bytes).into_owned();
            Some(Input { name, text })
        })
        .collect();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    inputs
}

/// A passenger list sent as `parts` messages of `travellers` passengers each, with the segments a
/// full API record carries (address, two documents, contacts, baggage, free text) and names with a
/// released apostrophe.
fn synthetic_paxlst(parts: usize, travellers: usize) -> String {
    let messages: String = (1..=parts)
        .map(|part| synthetic_part(part, parts, travellers))
        .collect();
    format!(
        "UNA:+.? 'UNB+UNOA:4+AIR1:ZZ+GATEHOUSE:ZZ+240301:0900+IC1++APIS'\
         UNG+PAXLST+AIR1+GATEHOUSE+240301:0900+G1+UN+D:05B'{messages}UNE+{parts}+G1'UNZ+1+IC1'"
    )
}

fn synthetic_part(part: usize, parts: usize, travellers: usize) -> String {
    const SURNAMES: [&str; 8] = [
        "O?'BRIEN", "NGUYEN", "KOWALSKA", "MUELLER", "DA SILVA", "HASSAN", "TANAKA", "OKAFOR",
    ];
    const GIVEN: [&str; 6] = [
        "ANNE:MARIE",
        "JOHN",
        "WEI",
        "FATIMA:ZAHRA",
        "PIOTR",
        "LUCIA",
    ];
    let mut body: Vec<String> = [
        "BGM+745+CP+9",
        "RFF+TN:BENCH0001",
        "NAD+MS+++OPERATIONS DESK",
        "COM+555-0100:TE+555-0101:FX",
        "TDT+20+GH0901+++GH",
        "LOC+125+LHR",
        "DTM+189:202403011015:203",
        "LOC+87+JFK",
        "DTM+232:202403011250:203",
    ]
    .map(str::to_owned)
    .to_vec();
    for i in (part - 1) * travellers..part * travellers {
        let surname = SURNAMES[i % SURNAMES.len()];
        let given = GIVEN[i % GIVEN.len()];
        let sex = if i % 2 == 0 { "F" } else { "M" };
        let (year, month, day) = (1940 + i % 70, 1 + i % 12, 1 + i % 28);
        body.extend([
            format!(
                "NAD+FL+++{surname}:{given}+{} HIGH STREET:FLAT {}+LONDON+GREATER LONDON+N1 1AA+GBR",
                1 + i % 300,
                1 + i % 20
            ),
            format!("ATT+2++{sex}"),
            format!("DTM+329:{year}{month:02}{day:02}:102"),
            "LOC+22+JFK".to_owned(),
            "LOC+178+LHR".to_owned(),
            "LOC+179+JFK".to_owned(),
            "LOC+174+GBR".to_owned(),
            "LOC+180+:::LONDON?+ENGLAND".to_owned(),
            "NAT+2+GBR".to_owned(),
            format!("RFF+AVF:Q{i:05}X"),
            format!("RFF+ABO:B{i:06}"),
            format!("RFF+SEA:{}{}", 1 + i % 40, ["A", "B", "C", "D", "E", "F"][i % 6]),
            format!("RFF+CR:GH{i:010}"),
            format!("DOC+P:110:111+P{i:08}"),
            "DTM+36:20310630:102".to_owned(),
            "DTM+182:20210701:102".to_owned(),
            "LOC+91+GBR".to_owned(),
            format!("DOC+V:110:111+V{i:08}"),
            "DTM+36:20260101:102".to_owned(),
            "LOC+91+USA".to_owned(),
            format!("COM+44 20 7946 {:04}:TE+TRAVELLER{i}@EXAMPLE.ORG:EM", i % 10_000),
            "MEA+CT++:2".to_owned(),
            "MEA+WT++KGM:23".to_owned(),
            format!("FTX+BAG+++GH{i:06}:2"),
            "FTX+AAI+++WHEELCHAIR TO GATE:VEGETARIAN MEAL:SEAT NEAR EXIT ROW PREFERRED".to_owned(),
            "GEI+4+173".to_owned(),
        ]);
    }
    body.push(format!("CNT+42:{travellers}"));
    let segments: String = body.iter().map(|s| format!("{s}'")).collect();
    let position = match part {
        1 => ":C",
        _ if part == parts => ":F",
        _ => "",
    };
    format!(
        "UNH+M{part}+PAXLST:D:05B:UN:IATA+GH0901240301+{part:02}{position}'{segments}UNT+{}+M{part}'",
        body.len() + 2
    )
}

// The allocator every service binary links (crates/platform): half of the parsers' instructions
// are allocation, so the system allocator would measure another program.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// Tokenizer and envelope: what every EDIFACT parser of the crate pays.
#[divan::bench(args = PAXLST.iter())]
fn edifact_reader(bencher: Bencher, input: &Input) {
    bencher
        .counter(BytesCount::of_str(&input.text))
        .bench(|| edifact::read_interchange_with(divan::black_box(&input.text), LENIENT));
}

/// The reader plus the PAXLST mapping.
#[divan::bench(args = PAXLST.iter())]
fn paxlst_parse(bencher: Bencher, input: &Input) {
    bencher
        .counter(BytesCount::of_str(&input.text))
        .bench(|| paxlst::parse_interchange_with(divan::black_box(&input.text), LENIENT));
}

/// The reader plus the PNRGOV repairs and mapping.
#[divan::bench(args = PNRGOV.iter())]
fn pnrgov_parse(bencher: Bencher, input: &Input) {
    bencher
        .counter(BytesCount::of_str(&input.text))
        .bench(|| pnrgov::parse_interchange_with(divan::black_box(&input.text), LENIENT));
}
