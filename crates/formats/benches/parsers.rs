//! Throughput of the UN/EDIFACT reader and the PAXLST parser, in bytes of input per second, on
//! each GTAS fixture of `$GATEHOUSE_FIXTURES/paxlst` and on a synthetic interchange built here:
//! a list of 1,800 passengers sent in two parts of 900 (about 1 MB). The PNRGOV parser is measured
//! on `$GATEHOUSE_FIXTURES/pnrgov/pnrWithBags.txt` (about 250 KB).
//!
//! The CUSCAR parser runs on each file of `$GATEHOUSE_FIXTURES/cuscar` and on a synthetic report
//! of 1,500 consignments in two messages (about 1 MB); the Cargo-IMP reader (`parse_many`) on each
//! FWB, FFM or FHL file of `$GATEHOUSE_FIXTURES/cargo-imp` and on a synthetic set of flight
//! manifests and air waybills (about 1 MB).
//!
//! `cargo bench -p gatehouse-formats --bench parsers`. Without the fixtures only the synthetic
//! inputs are measured, and a line on stderr says why.

use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;
use gatehouse_formats::edifact::{self, ControlCounts, ReadOptions};
use gatehouse_formats::{cargo_imp, cuscar, paxlst, pnrgov};

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

/// Consignments per message, and messages, of the synthetic CUSCAR report.
const CUSCAR_CONSIGNMENTS: usize = 750;
const CUSCAR_MESSAGES: usize = 2;

static CUSCAR: LazyLock<Vec<Input>> = LazyLock::new(|| {
    let mut inputs = fixtures("cuscar");
    inputs.push(Input {
        name: format!("synthetic_{CUSCAR_MESSAGES}x{CUSCAR_CONSIGNMENTS}_consignments"),
        text: synthetic_cuscar(CUSCAR_MESSAGES, CUSCAR_CONSIGNMENTS),
    });
    for input in &inputs {
        match cuscar::parse_interchange_with(&input.text, LENIENT) {
            Ok(interchange) => {
                let messages: Vec<_> = interchange.messages.iter().flatten().collect();
                let consignments: usize = messages.iter().map(|m| m.consignments.len()).sum();
                let warnings: usize = messages.iter().map(|m| m.warnings.len()).sum();
                eprintln!(
                    "{input}: {} bytes, {} messages ({} read), {consignments} consignments, \
                     {warnings} warnings",
                    input.text.len(),
                    interchange.messages.len(),
                    messages.len(),
                );
            }
            Err(error) => eprintln!("{input}: does not parse ({error})"),
        }
    }
    inputs
});

/// Flight manifests and air waybills of the synthetic Cargo-IMP set.
const FFM_MESSAGES: usize = 160;
const FWB_MESSAGES: usize = 560;

static CARGO_IMP: LazyLock<Vec<Input>> = LazyLock::new(|| {
    // The reader maps FWB, FFM and FHL; the other fixtures only measure a refusal.
    let mut inputs: Vec<Input> = fixtures("cargo-imp")
        .into_iter()
        .filter(|input| {
            let first = input.text.lines().find(|line| !line.trim().is_empty());
            first.is_some_and(|line| ["FWB/", "FFM/", "FHL/"].iter().any(|t| line.starts_with(t)))
        })
        .collect();
    inputs.push(Input {
        name: format!("synthetic_{FFM_MESSAGES}_ffm_{FWB_MESSAGES}_fwb"),
        text: synthetic_cargo_imp(FFM_MESSAGES, FWB_MESSAGES),
    });
    for input in &inputs {
        let results = cargo_imp::parse_many(&input.text);
        let read: Vec<_> = results.iter().flatten().collect();
        let warnings: usize = read.iter().map(|m| m.warnings().len()).sum();
        eprintln!(
            "{input}: {} bytes, {} messages ({} read), {warnings} warnings",
            input.text.len(),
            results.len(),
            read.len(),
        );
    }
    inputs
});

/// The files of `$GATEHOUSE_FIXTURES/<folder>` but their licence, decoded, by name.
fn fixtures(folder: &str) -> Vec<Input> {
    let Some(root) = std::env::var_os("GATEHOUSE_FIXTURES") else {
        eprintln!("GATEHOUSE_FIXTURES is not set: only the synthetic inputs are measured");
        return Vec::new();
    };
    let dir = Path::new(&root).join(folder);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!(
                "{} cannot be read ({error}): only the synthetic inputs are measured",
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

/// A sea cargo report: `messages` messages of `consignments` bills of lading each, every one with
/// its places, shipper (one name in five with a released apostrophe), consignee with contact and
/// notify party, a container with seal and weights, and two goods items with HS codes, marks and,
/// for one in seven, dangerous goods.
fn synthetic_cuscar(messages: usize, consignments: usize) -> String {
    let body: String = (1..=messages)
        .map(|message| synthetic_cuscar_message(message, consignments))
        .collect();
    format!(
        "UNA:+.? 'UNB+UNOC:3+SEALINE:ZZ+GATEHOUSE:ZZ+241204:0630+CR1'\
         UNG+CUSCAR+SEALINE+GATEHOUSE+241204:0630+G1+UN+D:03B'{body}UNE+{messages}+G1'UNZ+1+CR1'"
    )
}

fn synthetic_cuscar_message(message: usize, consignments: usize) -> String {
    const SHIPPERS: [&str; 5] = [
        "NORTHWIND EXPORTS",
        "O?'HARA TEXTILES",
        "BLUE HARBOUR TRADING",
        "KESTREL MACHINE WORKS",
        "SUNFIELD FOODS",
    ];
    const ORIGINS: [&str; 6] = ["CNSHA", "SGSIN", "KRPUS", "INNSA", "BRSSZ", "VNSGN"];
    const HS: [&str; 6] = ["851712", "940360", "611020", "847130", "090111", "870899"];
    const GOODS: [&str; 6] = [
        "MOBILE TELEPHONES",
        "WOODEN FURNITURE",
        "KNITTED JERSEYS:COTTON",
        "PORTABLE COMPUTERS",
        "GREEN COFFEE BEANS",
        "VEHICLE PARTS:BRAKE DISCS",
    ];
    let mut body: Vec<String> = [
        format!("BGM+785:::STANDARD+GHMF{message:06}+9"),
        "DTM+132:202412061800:203".to_owned(),
        "DTM+133:202412021200:203".to_owned(),
        "LOC+60+GBFXT".to_owned(),
        "RFF+ABO:GHVOY2412".to_owned(),
        "NAD+CA+GHSL:172:20++GATEHOUSE SEA LINES".to_owned(),
        "TDT+20+412W+1++GHSL:172:20+++9074729:146:11:NORTHERN STAR:GB".to_owned(),
        "LOC+9+CNSHA".to_owned(),
        "LOC+11+GBFXT".to_owned(),
        "DTM+132:202412061800:203".to_owned(),
    ]
    .to_vec();
    for c in (message - 1) * consignments..message * consignments {
        let shipper = SHIPPERS[c % SHIPPERS.len()];
        let origin = ORIGINS[c % ORIGINS.len()];
        let container = format!("GHSU{:07}", c % 10_000_000);
        let (first, second) = (c % HS.len(), (c + 3) % HS.len());
        let packages = 10 + c % 90;
        body.extend([
            format!("CNI+{}+GHSL{c:08}", c % consignments + 1),
            format!("DOC+705+GHSL{c:08}"),
            format!("RFF+BM:GHSL{c:08}"),
            format!("LOC+9+{origin}"),
            "LOC+11+GBFXT".to_owned(),
            format!("LOC+92+{origin}"),
            "LOC+92+NLRTM".to_owned(),
            format!(
                "NAD+CZ+++{shipper}+{} RIVER ROAD:UNIT {}+SHANGHAI++200000+CN",
                1 + c % 400,
                1 + c % 30
            ),
            format!(
                "NAD+CN+GB{:012}:160:ZZZ++BRITANNIA IMPORTS {}+{} DOCK STREET+FELIXSTOWE++IP11 3AB+GB",
                c % 1_000_000_000_000,
                c % 50,
                1 + c % 200
            ),
            "CTA+IC+:IMPORT DESK".to_owned(),
            format!("COM+01394 {:06}:TE+DESK{}@EXAMPLE.ORG:EM", c % 1_000_000, c % 50),
            "NAD+NI+++SAME AS CONSIGNEE".to_owned(),
            format!("EQD+CN+{container}+45G1+++5"),
            format!("SEL+GHS{c:07}"),
            format!("MEA+AAE+G+KGM:{}", 8_000 + c % 16_000),
            "MEA+AAE+T+KGM:3800".to_owned(),
            format!("GID+1+{packages}:CT"),
            format!("FTX+AAA+++{}", GOODS[first]),
            format!("PIA+5+{}:HS", HS[first]),
            format!("MEA+WT+G+KGM:{}.5", 1_000 + c % 9_000),
            format!("MEA+VOL++MTQ:{}.25", 1 + c % 60),
            format!("PCI+28+GH{c:06}:MADE IN {origin}"),
            format!("SGP+{container}+{packages}"),
            format!("GID+2+{}:PK", packages / 2),
            format!("FTX+AAA+++{}", GOODS[second]),
            format!("PIA+5+{}:HS", HS[second]),
            format!("MEA+WT+G+KGM:{}", 500 + c % 4_000),
            format!("SGP+{container}+{}", packages / 2),
        ]);
        if c % 7 == 0 {
            body.push("DGS+IMD+3+1263".to_owned());
        }
    }
    body.push(format!("CNT+5:{consignments}"));
    let segments: String = body.iter().map(|s| format!("{s}'")).collect();
    format!(
        "UNH+CR{message}+CUSCAR:D:03B:UN'{segments}UNT+{}+CR{message}'",
        body.len() + 2
    )
}

/// `ffm` flight manifests (two points of unloading, bulk cargo and three ULDs of eight
/// consignments, with handling codes, dimensions, onward flights and customs lines) then `fwb`
/// air waybills with all their parties, rates and charges, separated by blank lines.
fn synthetic_cargo_imp(ffm: usize, fwb: usize) -> String {
    const GOODS: [&str; 6] = [
        "SPARE PARTS",
        "PHARMACEUTICALS",
        "CONSOLIDATION",
        "ELECTRONICS",
        "FRESH FISH",
        "PRINTED MATTER",
    ];
    const HANDLING: [&str; 4] = ["/EAP", "/PER/COL", "/PIL", "/RFL/CAO"];
    let mut out = String::new();
    let mut awb = 0usize;
    let mut next_awb = || {
        awb += 1;
        format!("{:03}-{:08}", 100 + awb % 800, 10_000_000 + awb * 7)
    };
    for m in 0..ffm {
        let day = 1 + m % 28;
        out.push_str(&format!(
            "FFM/8\n{}/GH{:04}/{day:02}DEC0830/SIN/9VGHX/GB/{day:02}DEC2215/LHR\n",
            1 + m % 3,
            100 + m % 900
        ));
        for (point, airport) in ["LHR", "MAN"].iter().enumerate() {
            out.push_str(&format!("{airport}/{day:02}DEC2215/{day:02}DEC2350\n"));
            for bulk in 0..2 {
                out.push_str(&format!(
                    "{}SIN{airport}/T{}K{}.5MC0.{}/{}\n/SPX\n",
                    next_awb(),
                    2 + bulk,
                    40 + m % 300,
                    1 + bulk,
                    GOODS[(m + bulk) % GOODS.len()]
                ));
            }
            for uld in 0..3 {
                out.push_str(&format!(
                    "ULD/PMC{:05}GH-{}/HANDLE WITH CARE\n",
                    (m * 6 + point * 3 + uld) % 100_000,
                    ["M", "L", "U"][uld]
                ));
                for k in 0..8 {
                    let i = m * 48 + point * 24 + uld * 8 + k;
                    // One in four is a part shipment, with the consignment's total pieces.
                    let (description, total) = match k % 4 {
                        3 => ("P", format!("T{}", 50 + i % 40)),
                        _ => ("T", String::new()),
                    };
                    out.push_str(&format!(
                        "{}SIN{airport}/{description}{}K{}MC{}.{}{total}/{}\n{}\n",
                        next_awb(),
                        1 + i % 40,
                        10 + i % 900,
                        i % 4,
                        1 + i % 9,
                        GOODS[i % GOODS.len()],
                        HANDLING[i % HANDLING.len()]
                    ));
                    if k % 3 == 0 {
                        out.push_str(&format!(
                            "DIM/K{}/CMT{}-{}-{}/{}\n",
                            5 + i % 60,
                            40 + i % 80,
                            30 + i % 60,
                            20 + i % 50,
                            1 + i % 4
                        ));
                    }
                    if k % 4 == 1 {
                        out.push_str("/DUBEK007/27DEC\n");
                    }
                    if k % 5 == 0 {
                        out.push_str(&format!(
                            "OSI/KEEP UPRIGHT UN{:04} LIMITED QUANTITY\nOCI/GB/IMP/M/GB{i:010}\n",
                            1000 + i % 2000
                        ));
                    }
                }
            }
        }
        out.push_str(if m % 4 == 3 { "CONT\n\n" } else { "LAST\n\n" });
    }
    for b in 0..fwb {
        let pieces = 1 + b % 120;
        let weight = 20 + b % 4_000;
        out.push_str(&format!(
            "FWB/17\n{}SINLHR/T{pieces}K{weight}MC{}.{}\nFLT/GH{:04}/{:02}\nRTG/LHRGH\nSHP\n\
             NAM/STRAITS PRECISION {} PTE LTD\nADR/{} JURONG PORT ROAD\nLOC/SINGAPORE\n\
             /SG/619{:03}/TE/65{:08}\nCNE\nNAM/MIDLANDS DISTRIBUTION {}\nADR/UNIT {} ENTERPRISE PARK\n\
             LOC/COVENTRY\n/GB/CV{} 3HQ/TE/4424{:08}\nAGT//{:07}/{:04}\n/LIONCITY FORWARDING\n/SINGAPORE\n\
             SSR/KEEP DRY STACK MAX 2 HIGH\nACC/GEN/INVOICE SG{b:08}\nCVD/SGD//PP/NVD/NCV/XXX\n\
             RTD/1/P{pieces}/K{weight}/CQ/W{weight}/R{}.{:02}/T{}.00\n/NG/{}\n/2/NH/{}\n\
             /3/ND//CMT{}-{}-{}/{pieces}\n/4/NV/MC{}.{}\nOTH/P/MYC{}.00SCC{}.50\nPPD/WT{}.00\n/CT{}.50\n\
             CER/L TAN\nISU/{:02}DEC24/SINGAPORE/M RAHMAN\nOSI/GOODS CLEARED FOR EXPORT\n\
             REF///AGT/LCF{b:06}/SIN\nCOR/X\nSPH{}\nOCI/GB/IMP/M/GB{b:010}\n\n",
            next_awb(),
            b % 30,
            1 + b % 9,
            100 + b % 900,
            1 + b % 28,
            b % 90,
            1 + b % 300,
            b % 1000,
            b % 100_000_000,
            b % 70,
            1 + b % 99,
            1 + b % 9,
            b % 100_000_000,
            b % 10_000_000,
            b % 10_000,
            2 + b % 9,
            b % 100,
            weight * 3,
            GOODS[b % GOODS.len()],
            ["850440", "300490", "847330", "030289"][b % 4],
            40 + b % 80,
            30 + b % 60,
            20 + b % 50,
            b % 30,
            1 + b % 9,
            10 + b % 500,
            b % 90,
            weight * 3,
            weight * 3 + 10 + b % 500,
            1 + b % 28,
            HANDLING[b % HANDLING.len()],
        ));
    }
    out
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

/// The EDIFACT reader plus the CUSCAR mapping.
#[divan::bench(args = CUSCAR.iter())]
fn cuscar_parse(bencher: Bencher, input: &Input) {
    bencher
        .counter(BytesCount::of_str(&input.text))
        .bench(|| cuscar::parse_interchange_with(divan::black_box(&input.text), LENIENT));
}

/// Splitting into messages, records and the FWB/FFM/FHL mappings.
#[divan::bench(args = CARGO_IMP.iter())]
fn cargo_imp_parse_many(bencher: Bencher, input: &Input) {
    bencher
        .counter(BytesCount::of_str(&input.text))
        .bench(|| cargo_imp::parse_many(divan::black_box(&input.text)));
}
