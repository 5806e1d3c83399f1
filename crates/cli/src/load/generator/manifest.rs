//! Synthetic cargo manifests: feeder voyages into the Port of Bar from the Mediterranean hubs,
//! with bills of lading for goods loaded in Asia, Europe and the Americas, in ISO 6346 containers;
//! and cargo flights into Sarajevo, Belgrade and Skopje with air waybills (some consolidated
//! under a master) in ULDs. HS codes come from the HS 2022 table, ports from UN/LOCODE (port
//! function), identifiers carry correct check digits. Consignees and consignors come from pools
//! per stream (each stream a carrier's customers), so parties repeat and gain a history without
//! two streams locking the same party rows.

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    sync::LazyLock,
    time::SystemTime,
};

use gatehouse_checks::{
    airport, container, country, goods::check_description, hs, unlocode, unlocode::Function,
};
use gatehouse_proto::v1::{
    CargoManifest, Consignment, Container, Conveyance, DangerousGoods, FreightPaymentMethod,
    GoodsItem, MessageFunction, Money, Party, StreamManifestsRequest, TransportMode,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};

use super::{Generator, HitKind, Item, PlannedHit};
use crate::load::routes::Route;
use crate::load::rules::cargo::{CARGO_TRIGGERS, CargoTrigger, PROFILED_HS_PREFIXES};

/// Most consignments one generated manifest carries.
pub const MAX_CONSIGNMENTS: u32 = 500;

/// A place of entry cargo arrives at: the port of Bar by sea, the airports by air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CargoPlace {
    /// UN/LOCODE of the place of entry, which routes alerts and statistics to its unit.
    pub locode: &'static str,
    /// The airport's IATA code for air; `None` for the port.
    pub iata: Option<&'static str>,
    /// ISO 3166-1 alpha-3 of the country of destination.
    pub country: &'static str,
    /// Share of manifests, relative to the other places of the run.
    pub weight: u32,
}

/// The places of entry of the seed region's units.
pub const CARGO_PLACES: &[CargoPlace] = &[
    CargoPlace {
        locode: "MEBAR",
        iata: None,
        country: "MNE",
        weight: 4,
    },
    CargoPlace {
        locode: "BASJJ",
        iata: Some("SJJ"),
        country: "BIH",
        weight: 2,
    },
    CargoPlace {
        locode: "RSBEG",
        iata: Some("BEG"),
        country: "SRB",
        weight: 2,
    },
    CargoPlace {
        locode: "MKSKP",
        iata: Some("SKP"),
        country: "MKD",
        weight: 2,
    },
];

/// A shipping line: its SCAC (carrier and bill of lading issuer), bill of lading prefix, owner
/// codes of its containers, vessel name prefix and flags.
struct Line {
    scac: &'static str,
    bill_prefix: &'static str,
    owners: &'static [&'static str],
    vessel_prefix: &'static str,
    flags: &'static [&'static str],
    agent: &'static str,
}

const LINES: &[Line] = &[
    Line {
        scac: "MSCU",
        bill_prefix: "MEDU",
        owners: &["MSC", "MED", "TGH"],
        vessel_prefix: "MSC",
        flags: &["PAN", "LBR", "PRT"],
        agent: "MSC Montenegro",
    },
    Line {
        scac: "MAEU",
        bill_prefix: "MAEU",
        owners: &["MSK", "MRK", "MRS"],
        vessel_prefix: "MAERSK",
        flags: &["DNK", "SGP"],
        agent: "Maersk Adriatic Agency",
    },
    Line {
        scac: "CMDU",
        bill_prefix: "CMDU",
        owners: &["CMA", "APZ"],
        vessel_prefix: "CMA CGM",
        flags: &["MLT", "FRA", "MHL"],
        agent: "CMA CGM Balkans",
    },
    Line {
        scac: "HLCU",
        bill_prefix: "HLCU",
        owners: &["HLX", "HLB"],
        vessel_prefix: "HAPAG",
        flags: &["DEU", "LBR"],
        agent: "Hapag-Lloyd Adria",
    },
    Line {
        scac: "COSU",
        bill_prefix: "COSU",
        owners: &["CSQ", "CBH"],
        vessel_prefix: "COSCO",
        flags: &["HKG", "CHN"],
        agent: "COSCO Shipping Lines Adriatic",
    },
    Line {
        scac: "ZIMU",
        bill_prefix: "ZIMU",
        owners: &["ZIM", "ZCS"],
        vessel_prefix: "ZIM",
        flags: &["MHL", "LBR"],
        agent: "ZIM Montenegro",
    },
];

#[rustfmt::skip]
const VESSEL_NAMES: &[&str] = &[
    "ADRIATIC", "AURORA", "BALKAN", "CORVINA", "DALMACIJA", "ELENI", "FORTUNA", "GIOIA", "HELIOS",
    "IONIAN", "JADRAN", "KOTOR", "LIVORNO", "MARINA", "NEREIDA", "ORION", "PELAGOS", "RIVIERA",
];

/// Transhipment hubs the Bar feeders sail from.
const HUBS: &[&str] = &[
    "GRPIR", "ITGIT", "MTMAR", "TRAMR", "SIKOP", "ITTRS", "ESVLC",
];
/// Ports of loading of the goods, weighted.
const ORIGIN_PORTS: &[(&str, u32)] = &[
    ("CNSGH", 10),
    ("CNNBG", 8),
    ("CNYTN", 6),
    ("CNSHK", 4),
    ("CNQDG", 5),
    ("CNTXG", 3),
    ("KRPUS", 3),
    ("VNCLI", 3),
    ("VNHPH", 2),
    ("INNSA", 3),
    ("INMUN", 2),
    ("TWKHH", 2),
    ("HKHKG", 2),
    ("THLCH", 2),
    ("SGSIN", 2),
    ("TRAMR", 3),
    ("TRMER", 2),
    ("EGPSD", 1),
    ("EGALY", 1),
    ("ITGOA", 2),
    ("ESBCN", 1),
    ("ESVLC", 2),
    ("DEHAM", 2),
    ("NLRTM", 2),
    ("BEANR", 2),
    ("USNYC", 1),
    ("BRSSZ", 1),
    ("MAPTM", 1),
    ("GRPIR", 2),
    ("JPYOK", 1),
];
/// Ports of loading of the consignments routed through a sanctioned state.
const SANCTIONED_PORTS: &[&str] = &["IRBND", "SYLTK"];

/// An airline flying cargo into the region: designator, air waybill prefix, origin airports.
struct Airline {
    designator: &'static str,
    prefix: u16,
    origins: &'static [&'static str],
}

const AIRLINES: &[Airline] = &[
    Airline {
        designator: "TK",
        prefix: 235,
        origins: &["IST"],
    },
    Airline {
        designator: "LH",
        prefix: 20,
        origins: &["FRA", "MUC"],
    },
    Airline {
        designator: "OS",
        prefix: 257,
        origins: &["VIE"],
    },
    Airline {
        designator: "LX",
        prefix: 724,
        origins: &["ZRH"],
    },
    Airline {
        designator: "QR",
        prefix: 157,
        origins: &["DOH"],
    },
    Airline {
        designator: "FZ",
        prefix: 141,
        origins: &["DXB"],
    },
    Airline {
        designator: "AF",
        prefix: 57,
        origins: &["CDG"],
    },
    Airline {
        designator: "KL",
        prefix: 74,
        origins: &["AMS"],
    },
    Airline {
        designator: "PC",
        prefix: 624,
        origins: &["SAW"],
    },
];
const ULD_TYPES: &[&str] = &["AKE", "AKH", "PMC", "PAG", "PLA"];

/// Where companies of a country are, and how their names are made.
struct Trade {
    alpha3: &'static str,
    cities: &'static [(&'static str, &'static str)],
    streets: &'static [&'static str],
    stems: &'static [&'static str],
    activities: &'static [&'static str],
    suffix: &'static str,
}

#[rustfmt::skip]
const TRADES: &[Trade] = &[
    Trade { alpha3: "MNE", cities: &[("Podgorica", "81000"), ("Bar", "85000"), ("Nikšić", "81400"), ("Budva", "85310")], streets: &["Bulevar Svetog Petra Cetinjskog", "Obala 13. jula", "Ulica Slobode", "Cetinjski put"], stems: &["Jadran", "Primorka", "Lovćen", "Zeta", "Bokeška", "Tara", "Morača", "Durmitor"], activities: &["Trade", "Commerce", "Promet", "Market", "Distribucija", "Import"], suffix: "d.o.o." },
    Trade { alpha3: "SRB", cities: &[("Beograd", "11000"), ("Novi Sad", "21000"), ("Niš", "18000"), ("Kragujevac", "34000")], streets: &["Bulevar kralja Aleksandra", "Autoput za Zagreb", "Batajnički drum", "Ulica Vojvode Stepe"], stems: &["Dunav", "Morava", "Šumadija", "Sava", "Avala", "Fruška", "Timok", "Ibar"], activities: &["Promet", "Trade", "Logistika", "Komerc", "Distribucija", "Import-Export"], suffix: "d.o.o." },
    Trade { alpha3: "BIH", cities: &[("Sarajevo", "71000"), ("Zenica", "72000"), ("Mostar", "88000"), ("Tuzla", "75000")], streets: &["Zmaja od Bosne", "Džemala Bijedića", "Vrbanja", "Titova"], stems: &["Bosna", "Una", "Neretva", "Drina", "Vrbas", "Igman", "Bjelašnica", "Miljacka"], activities: &["Trade", "Commerce", "Promet", "Export-Import", "Distribucija", "Market"], suffix: "d.o.o." },
    Trade { alpha3: "MKD", cities: &[("Skopje", "1000"), ("Bitola", "7000"), ("Kumanovo", "1300"), ("Tetovo", "1200")], streets: &["Bulevar Partizanski odredi", "Ulica Makedonija", "Bulevar Ilinden", "Ulica 11 Oktomvri"], stems: &["Vardar", "Ohrid", "Pelister", "Šar", "Treska", "Babuna", "Kozjak", "Prespa"], activities: &["Trade", "Komerc", "Import-Export", "Distribucija", "Promet", "Market"], suffix: "DOOEL" },
    Trade { alpha3: "CHN", cities: &[("Shanghai", "200120"), ("Ningbo", "315000"), ("Shenzhen", "518000"), ("Yiwu", "322000"), ("Qingdao", "266000")], streets: &["Pudong Avenue", "Zhongshan Road", "Jiangnan Road", "Huangpu Road"], stems: &["Ningbo", "Yiwu", "Zhejiang", "Shenzhen", "Jiangsu", "Haitian", "Golden Bridge", "Orient"], activities: &["Hardware", "Textile", "Electronics", "Import & Export", "Machinery", "Industrial"], suffix: "Co., Ltd." },
    Trade { alpha3: "TUR", cities: &[("Istanbul", "34000"), ("Izmir", "35000"), ("Bursa", "16000"), ("Mersin", "33000")], streets: &["Atatürk Caddesi", "Cumhuriyet Bulvarı", "Organize Sanayi Bölgesi", "İnönü Caddesi"], stems: &["Anadolu", "Ege", "Marmara", "Toros", "Karadeniz", "Bosphorus", "Kapadokya", "Uludağ"], activities: &["Tekstil", "Makina", "Gıda", "Plastik", "Metal", "Dış Ticaret"], suffix: "San. ve Tic. A.Ş." },
    Trade { alpha3: "ITA", cities: &[("Genova", "16121"), ("Milano", "20121"), ("Bari", "70121"), ("Bologna", "40121")], streets: &["Via Roma", "Corso Italia", "Via Garibaldi", "Via dell'Industria"], stems: &["Adriatica", "Ligure", "Padana", "Tirrena", "Euganea", "Appenninica", "Lombarda", "Sabauda"], activities: &["Meccanica", "Alimentari", "Ceramiche", "Tessile", "Trasporti", "Commerciale"], suffix: "S.p.A." },
    Trade { alpha3: "GRC", cities: &[("Piraeus", "18531"), ("Athens", "10431"), ("Thessaloniki", "54625")], streets: &["Akti Miaouli", "Leoforos Syngrou", "Egnatia"], stems: &["Aegean", "Hellenic", "Ionian", "Attica", "Olympus", "Cycladic"], activities: &["Trading", "Foods", "Marble", "Chemicals", "Industries"], suffix: "S.A." },
    Trade { alpha3: "DEU", cities: &[("Hamburg", "20457"), ("Bremen", "28195"), ("Köln", "50667"), ("Stuttgart", "70173"), ("Frankfurt am Main", "60311"), ("München", "80331")], streets: &["Hafenstraße", "Industriestraße", "Hauptstraße", "Am Sandtorkai"], stems: &["Hanseatische", "Nordwest", "Rhein", "Elbe", "Schwaben", "Alpen"], activities: &["Maschinenbau", "Handels", "Technik", "Chemie", "Logistik"], suffix: "GmbH" },
    Trade { alpha3: "NLD", cities: &[("Rotterdam", "3011"), ("Amsterdam", "1012"), ("Eindhoven", "5611")], streets: &["Waalhaven", "Europaweg", "Keizersgracht"], stems: &["Maas", "Delta", "Holland", "Zeeland", "Noordzee"], activities: &["Trading", "Foods", "Technics", "Flowers", "Supply"], suffix: "B.V." },
    Trade { alpha3: "BEL", cities: &[("Antwerpen", "2000"), ("Gent", "9000")], streets: &["Noorderlaan", "Kaai", "Havenlaan"], stems: &["Schelde", "Flanders", "Brabant", "Ardennes"], activities: &["Trading", "Diamonds Logistics", "Chemicals", "Steel"], suffix: "NV" },
    Trade { alpha3: "ESP", cities: &[("Valencia", "46001"), ("Barcelona", "08001"), ("Madrid", "28001")], streets: &["Avenida del Puerto", "Calle Mayor", "Gran Vía"], stems: &["Levante", "Ibérica", "Mediterránea", "Cantábrica", "Castellana"], activities: &["Cerámica", "Alimentación", "Textil", "Industrial", "Comercial"], suffix: "S.L." },
    Trade { alpha3: "IND", cities: &[("Mumbai", "400001"), ("Ahmedabad", "380001"), ("Chennai", "600001")], streets: &["MG Road", "Nariman Point", "Industrial Estate"], stems: &["Bharat", "Shree", "Indus", "Ganga", "Deccan", "Sagar"], activities: &["Exports", "Textiles", "Pharma Packaging", "Engineering", "Overseas"], suffix: "Pvt. Ltd." },
    Trade { alpha3: "VNM", cities: &[("Ho Chi Minh City", "700000"), ("Hai Phong", "180000")], streets: &["Nguyen Hue", "Le Loi", "Tran Hung Dao"], stems: &["Saigon", "Mekong", "Hanoi", "Viet Phat", "Hoa Binh"], activities: &["Garment", "Furniture", "Footwear", "Trading", "Seafood Packing"], suffix: "Co., Ltd." },
    Trade { alpha3: "KOR", cities: &[("Busan", "48000"), ("Seoul", "04500")], streets: &["Jungang-daero", "Teheran-ro"], stems: &["Hanil", "Daehan", "Busan", "Seorak"], activities: &["Industrial", "Electronics", "Chemical", "Trading"], suffix: "Co., Ltd." },
    Trade { alpha3: "TWN", cities: &[("Kaohsiung", "800"), ("Taichung", "400")], streets: &["Zhongshan Road", "Minzu Road"], stems: &["Formosa", "Kao Hsiung", "Evertop", "Sunrise"], activities: &["Precision", "Tools", "Plastics", "Electronics"], suffix: "Co., Ltd." },
    Trade { alpha3: "HKG", cities: &[("Hong Kong", "")], streets: &["Nathan Road", "Queen's Road Central"], stems: &["Pacific", "Kowloon", "Victoria", "Harbour"], activities: &["Trading", "Sourcing", "Enterprises", "Holdings Trading"], suffix: "Limited" },
    Trade { alpha3: "THA", cities: &[("Bangkok", "10110"), ("Chonburi", "20000")], streets: &["Sukhumvit Road", "Rama IV Road"], stems: &["Siam", "Chao Phraya", "Thai Union", "Lanna"], activities: &["Foods", "Rubber", "Industries", "Trading"], suffix: "Co., Ltd." },
    Trade { alpha3: "SGP", cities: &[("Singapore", "018989")], streets: &["Pasir Panjang Road", "Jurong Port Road"], stems: &["Lion City", "Straits", "Temasek", "Marina"], activities: &["Trading", "Marine Supplies", "Electronics", "Resources"], suffix: "Pte. Ltd." },
    Trade { alpha3: "EGY", cities: &[("Port Said", "42511"), ("Alexandria", "21500")], streets: &["El Gomhoreya Street", "Corniche Road"], stems: &["Nile", "Delta", "Pharaonic", "Suez"], activities: &["Cotton", "Foods", "Trading", "Chemicals"], suffix: "S.A.E." },
    Trade { alpha3: "USA", cities: &[("New York", "10004"), ("Newark", "07114")], streets: &["Broadway", "Port Street"], stems: &["Atlantic", "Hudson", "Liberty", "Empire"], activities: &["Supply", "Trading", "Industries", "Foods"], suffix: "Inc." },
    Trade { alpha3: "BRA", cities: &[("Santos", "11010"), ("São Paulo", "01000")], streets: &["Avenida Paulista", "Rua do Porto"], stems: &["Paulista", "Atlântica", "Amazônia", "Cerrado"], activities: &["Alimentos", "Café", "Comercial", "Exportadora"], suffix: "Ltda." },
    Trade { alpha3: "MAR", cities: &[("Tanger", "90000"), ("Casablanca", "20000")], streets: &["Boulevard Mohammed V", "Zone Franche"], stems: &["Atlas", "Maghreb", "Rif", "Tanja"], activities: &["Textiles", "Agrumes", "Trading", "Industries"], suffix: "SARL" },
    Trade { alpha3: "JPN", cities: &[("Yokohama", "231-0001"), ("Osaka", "530-0001")], streets: &["Minato Mirai", "Honmachi"], stems: &["Nippon", "Kanto", "Sakura", "Fuji"], activities: &["Machinery", "Trading", "Industries", "Electronics"], suffix: "K.K." },
    Trade { alpha3: "AUT", cities: &[("Wien", "1010"), ("Linz", "4020")], streets: &["Ringstraße", "Industriezeile"], stems: &["Donau", "Alpen", "Tauern", "Wiener"], activities: &["Handels", "Technik", "Pharma", "Maschinen"], suffix: "GmbH" },
    Trade { alpha3: "CHE", cities: &[("Zürich", "8001"), ("Basel", "4051")], streets: &["Bahnhofstrasse", "Industriestrasse"], stems: &["Helvetia", "Rhein", "Alpina", "Jura"], activities: &["Precision", "Pharma", "Watches Trading", "Instruments"], suffix: "AG" },
    Trade { alpha3: "QAT", cities: &[("Doha", "")], streets: &["Salwa Road", "Corniche Street"], stems: &["Al Doha", "Gulf", "Lusail", "Pearl"], activities: &["Trading", "Supplies", "Enterprises"], suffix: "W.L.L." },
    Trade { alpha3: "ARE", cities: &[("Dubai", ""), ("Sharjah", "")], streets: &["Sheikh Zayed Road", "Al Maktoum Road"], stems: &["Al Noor", "Emirates", "Gulf Star", "Falcon"], activities: &["General Trading", "Electronics Trading", "Supplies"], suffix: "L.L.C." },
    Trade { alpha3: "FRA", cities: &[("Paris", "75001"), ("Lyon", "69001")], streets: &["Rue de Rivoli", "Avenue de la République"], stems: &["Rhône", "Lumière", "Provence", "Bretagne"], activities: &["Cosmétiques", "Industrie", "Commerce", "Vins"], suffix: "SAS" },
    Trade { alpha3: "IRN", cities: &[("Bandar Abbas", "79000"), ("Tehran", "11369")], streets: &["Azadi Street", "Enghelab Street"], stems: &["Persian Gulf", "Zagros", "Hormoz", "Alborz"], activities: &["Trading", "Industries", "Commerce"], suffix: "Co." },
    Trade { alpha3: "SYR", cities: &[("Latakia", ""), ("Damascus", "")], streets: &["Baghdad Street", "Port Street"], stems: &["Levant", "Orontes", "Qasioun", "Phoenicia"], activities: &["Trading", "Industries", "Commerce"], suffix: "Co." },
];

fn trade(alpha3: &str) -> &'static Trade {
    TRADES
        .iter()
        .find(|t| t.alpha3 == alpha3)
        .unwrap_or(&TRADES[4])
}

/// Everyday dangerous goods: UN number, class, packing group, HS subheading.
const DANGEROUS_SEA: &[(&str, &str, &str, &str)] = &[
    ("1263", "3", "III", "320890"),
    ("3082", "9", "III", "380899"),
    ("1993", "3", "III", "271019"),
    ("2794", "8", "", "850710"),
];
const DANGEROUS_AIR: &[(&str, &str, &str, &str)] = &[
    ("3481", "9", "", "847130"),
    ("1266", "3", "II", "330300"),
    ("1845", "9", "", "281121"),
];
/// Descriptions that name no goods, for the vague trigger.
const VAGUE_DESCRIPTIONS: &[&str] = &[
    "FAK",
    "General cargo",
    "Various goods",
    "Consolidated cargo",
    "Mixed merchandise",
];
const ARMS_HS: &[&str] = &["930320", "930630", "930200", "930190"];

/// HS 2022 subheadings ordinary goods are drawn from: outside the profiled chapters and
/// headings, with a description that names the goods.
static ORDINARY_HS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    hs::entries()
        .iter()
        .filter(|e| e.code.len() == 6)
        .filter(|e| !PROFILED_HS_PREFIXES.iter().any(|p| e.code.starts_with(p)))
        .filter_map(|e| {
            let description = goods_description(e.description);
            check_description(&description)
                .is_none()
                .then_some((e.code, description))
        })
        .collect()
});

/// The subheading's description as a shipper writes it: the text before a long tail of
/// qualifications, at most 120 characters.
fn goods_description(text: &str) -> String {
    let mut description = String::new();
    for word in text.split_whitespace() {
        if description.len() + word.len() + 1 > 120 {
            break;
        }
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(word);
    }
    description.trim_end_matches([',', ';', ':']).to_owned()
}

fn hs_description(code: &str) -> String {
    hs::entry(code).map_or_else(|| code.to_owned(), |e| goods_description(e.description))
}

/// Ports of loading with the port function, the weighted list's and the other ports of their
/// countries (a tenth of the draws).
struct Ports {
    weighted: Vec<(&'static str, u32)>,
    by_country: Vec<(&'static str, Vec<&'static str>)>,
}

static PORTS: LazyLock<Ports> = LazyLock::new(|| {
    let is_port =
        |code: &str| unlocode::location(code).is_ok_and(|l| l.functions.contains(Function::Port));
    let weighted: Vec<(&str, u32)> = ORIGIN_PORTS
        .iter()
        .copied()
        .filter(|(code, _)| is_port(code))
        .collect();
    let mut countries: Vec<&str> = weighted.iter().map(|(code, _)| &code[..2]).collect();
    countries.sort_unstable();
    countries.dedup();
    let by_country = countries
        .into_iter()
        .map(|alpha2| {
            let ports: Vec<&'static str> = unlocode::locations_in(alpha2)
                .filter(|l| l.functions.contains(Function::Port))
                .map(|l| l.code)
                .collect();
            (alpha2, ports)
        })
        .collect();
    Ports {
        weighted,
        by_country,
    }
});

/// Parties per stream and country in the pools: enough for some to repeat often and most
/// rarely.
const POOL: u64 = 400;

/// The IMO number with a right check digit for six digits `base` (100000-999999).
pub fn imo_number(base: u32) -> String {
    let digits = format!("{:06}", base % 1_000_000);
    let sum: u32 = digits
        .bytes()
        .zip((2..=7u32).rev())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{digits}{}", sum % 10)
}

/// The air waybill `prefix`-`serial7` with its mod-7 check digit: `020-12345675`.
pub fn air_waybill(prefix: u16, serial7: u64) -> String {
    let serial7 = serial7 % 10_000_000;
    format!("{prefix:03}-{serial7:07}{}", serial7 % 7)
}

/// The ISO 6346 container number of `owner` (3 letters) and a six-digit serial.
pub fn container_number(owner: &str, serial: u64) -> String {
    let base = format!("{owner}U{:06}", serial % 1_000_000);
    let digit = container::check_digit(&base).unwrap_or(0);
    format!("{base}{digit}")
}

fn stable_hash(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

/// Digits of an identifier, from `value`.
fn digits(value: u64, count: usize) -> String {
    let modulus = 10u64.pow(u32::try_from(count).unwrap_or(9).min(19));
    format!("{:0count$}", value % modulus)
}

fn timestamp(at: SystemTime) -> prost_types::Timestamp {
    at.into()
}

/// What the manifest generator keeps between items.
pub(super) struct CargoState {
    places: Vec<&'static CargoPlace>,
    place_weights: rand::distr::weighted::WeightedIndex<u32>,
    origin: rand::distr::weighted::WeightedIndex<u32>,
    /// Offsets of serials, from the seed: runs with other seeds use other numbers.
    offset: u64,
}

impl CargoState {
    pub(super) fn new(seed: u64, places: &[&'static CargoPlace]) -> anyhow::Result<Self> {
        anyhow::ensure!(!places.is_empty(), "no place of entry to send cargo to");
        anyhow::ensure!(
            !PORTS.weighted.is_empty(),
            "no port of loading in UN/LOCODE"
        );
        Ok(Self {
            places: places.to_vec(),
            place_weights: rand::distr::weighted::WeightedIndex::new(
                places.iter().map(|p| p.weight),
            )?,
            origin: rand::distr::weighted::WeightedIndex::new(
                PORTS.weighted.iter().map(|(_, w)| *w),
            )?,
            offset: stable_hash(("cargo-offset", seed)) % 1_000_000,
        })
    }
}

/// The movement being filled: what its consignments share.
struct Movement {
    place: &'static CargoPlace,
    serial: u64,
    /// Sea: the line; air: the airline.
    line: Option<&'static Line>,
    airline: Option<&'static Airline>,
    /// Where the conveyance loaded last (hub port, or origin airport).
    loading: &'static str,
    /// Air: ULDs of the flight; sea: none (each consignment its own containers).
    ulds: Vec<String>,
    /// Air: the consolidation's master air waybill.
    master: String,
    stride: u64,
}

impl Generator {
    /// The next manifest: a movement into one of the run's places with the configured number
    /// of consignments.
    pub fn next_manifest(&mut self) -> Item<StreamManifestsRequest> {
        use rand::distr::Distribution;
        let place = match &self.cargo {
            Some(cargo) => cargo.places[cargo.place_weights.sample(&mut self.rng)],
            None => &CARGO_PLACES[0],
        };
        let kinds: Vec<Option<HitKind>> = (0..self.config.consignments_per_manifest)
            .map(|_| self.cargo_hit_kind())
            .collect();
        self.manifest_item(place, &kinds)
    }

    /// A manifest into `place` with one consignment per kind of hit and one ordinary one.
    pub fn warmup_manifest(
        &mut self,
        place: &str,
        kinds: &[HitKind],
    ) -> Item<StreamManifestsRequest> {
        let place = CARGO_PLACES
            .iter()
            .find(|p| p.locode == place)
            .unwrap_or(&CARGO_PLACES[0]);
        let kinds: Vec<Option<HitKind>> = kinds.iter().map(|k| Some(*k)).chain([None]).collect();
        self.manifest_item(place, &kinds)
    }

    fn cargo_hit_kind(&mut self) -> Option<HitKind> {
        let draw: f64 = self.rng.random();
        (draw < self.config.rule_hit_rate)
            .then(|| CARGO_TRIGGERS.choose(&mut self.rng).copied())
            .flatten()
            .map(HitKind::Cargo)
    }

    fn manifest_item(
        &mut self,
        place: &'static CargoPlace,
        kinds: &[Option<HitKind>],
    ) -> Item<StreamManifestsRequest> {
        let message_id = self.message_id();
        let serial = self
            .flights
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + self.cargo.as_ref().map_or(0, |c| c.offset);
        let stride = u64::try_from(kinds.len()).unwrap_or(u64::MAX) + 1;
        let now = SystemTime::now();
        let mut movement = match place.iata {
            None => {
                let line = LINES.choose(&mut self.rng).unwrap_or(&LINES[0]);
                Movement {
                    place,
                    serial,
                    line: Some(line),
                    airline: None,
                    loading: HUBS.choose(&mut self.rng).copied().unwrap_or("GRPIR"),
                    ulds: Vec::new(),
                    master: String::new(),
                    stride,
                }
            }
            Some(_) => {
                let airline = AIRLINES.choose(&mut self.rng).unwrap_or(&AIRLINES[0]);
                let owner = airline.designator;
                let ulds = (0..self.rng.random_range(2..=6))
                    .map(|_| {
                        let kind = ULD_TYPES.choose(&mut self.rng).copied().unwrap_or("AKE");
                        format!("{kind}{:05}{owner}", self.rng.random_range(1000..99_999))
                    })
                    .collect();
                Movement {
                    place,
                    serial,
                    line: None,
                    airline: Some(airline),
                    loading: airline
                        .origins
                        .choose(&mut self.rng)
                        .copied()
                        .unwrap_or("IST"),
                    ulds,
                    master: air_waybill(airline.prefix, serial * stride + stride - 1),
                    stride,
                }
            }
        };
        movement.ulds.dedup();
        let mut consignments = Vec::with_capacity(kinds.len());
        let mut hits = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let (consignment, hit) = self.consignment(&movement, i as u64, *kind);
            hits.extend(hit);
            consignments.push(consignment);
        }
        let arrival_hours = self.rng.random_range(6..72u64);
        let arrival = now + std::time::Duration::from_secs(arrival_hours * 3600);
        let departure_hours = match place.iata {
            None => self.rng.random_range(30..200u64),
            Some(_) => self.rng.random_range(2..8u64),
        };
        let departure = arrival - std::time::Duration::from_secs(departure_hours * 3600);
        let manifest = match (movement.line, movement.airline) {
            (Some(line), _) => {
                let vessel = (serial % 18) as usize;
                let line_index = LINES.iter().position(|l| l.scac == line.scac).unwrap_or(0);
                let direction = ["E", "W", "N", "S"][(serial % 4) as usize];
                let voyage = format!("{}{:05}{direction}", &line.scac[..2], serial % 100_000);
                CargoManifest {
                    manifest_ref: format!("{}-{voyage}", line.scac),
                    mode: TransportMode::Sea as i32,
                    carrier: line.scac.to_owned(),
                    conveyance: Some(Conveyance {
                        name: format!("{} {}", line.vessel_prefix, VESSEL_NAMES[vessel]),
                        imo_number: imo_number(
                            900_000 + u32::try_from(line_index * 100 + vessel).unwrap_or(0) * 37,
                        ),
                        call_sign: format!("V7{}{}", &line.scac[..2], vessel + 10),
                        nationality: line.flags[vessel % line.flags.len()].to_owned(),
                        ..Default::default()
                    }),
                    voyage_number: voyage,
                    port_of_loading: movement.loading.to_owned(),
                    port_of_discharge: place.locode.to_owned(),
                    place_of_entry: place.locode.to_owned(),
                    estimated_arrival: Some(timestamp(arrival)),
                    consignments,
                    sender: line.agent.to_owned(),
                    estimated_departure: Some(timestamp(departure)),
                    function: MessageFunction::Original as i32,
                }
            }
            (None, airline) => {
                let airline = airline.unwrap_or(&AIRLINES[0]);
                // Flight numbers 1-9999, then again with a letter: a run never repeats one.
                let number = serial % 9_999 + 1;
                let suffix = match (serial / 9_999) % 27 {
                    0 => String::new(),
                    n => char::from(b'A' + u8::try_from(n - 1).unwrap_or(0)).to_string(),
                };
                let flight = format!("{}{number}{suffix}", airline.designator);
                CargoManifest {
                    manifest_ref: format!("FFM-{flight}"),
                    mode: TransportMode::Air as i32,
                    carrier: airline.designator.to_owned(),
                    conveyance: Some(Conveyance {
                        flight_number: flight.clone(),
                        ..Default::default()
                    }),
                    voyage_number: flight,
                    port_of_loading: movement.loading.to_owned(),
                    port_of_discharge: place.iata.unwrap_or_default().to_owned(),
                    place_of_entry: place.locode.to_owned(),
                    estimated_arrival: Some(timestamp(arrival)),
                    consignments,
                    sender: format!("{} Cargo", airline.designator),
                    estimated_departure: Some(timestamp(departure)),
                    function: MessageFunction::Original as i32,
                }
            }
        };
        Item {
            message_id: message_id.clone(),
            records: u32::try_from(kinds.len()).unwrap_or(u32::MAX),
            request: StreamManifestsRequest {
                message_id,
                manifest: Some(manifest),
            },
            arrival: place.locode.to_owned(),
            hits,
        }
    }

    /// A party of the pool of `role` in `alpha3` (the same index gives the same party within
    /// the stream), or a party of its own for `unique`.
    fn party(&mut self, role: &str, alpha3: &'static str, unique: Option<u64>) -> Party {
        let index = match unique {
            Some(serial) => POOL + serial,
            None => {
                // Skewed: the first parties of the pool trade most.
                let u: f64 = self.rng.random();
                (u * u * POOL as f64) as u64
            }
        };
        let key = stable_hash((self.config.seed, self.stream, role, alpha3, index));
        let mut rng = StdRng::seed_from_u64(key);
        let trade = trade(alpha3);
        let stem = trade.stems.choose(&mut rng).copied().unwrap_or("Trade");
        let activity = trade
            .activities
            .choose(&mut rng)
            .copied()
            .unwrap_or("Trade");
        let (city, postcode) = trade.cities.choose(&mut rng).copied().unwrap_or(("", ""));
        let street = trade
            .streets
            .choose(&mut rng)
            .copied()
            .unwrap_or("Main Street");
        let alpha2 = country::alpha3_to_alpha2(alpha3).unwrap_or("XX");
        // Consignees declare an EORI-like number of their customs registration; a fifth of the
        // exporters give none (known then by name and country).
        let identified = role == "consignee" || rng.random_ratio(4, 5);
        let identifier = if identified {
            let length = match alpha3 {
                "MNE" => 8,
                "SRB" => 9,
                "BIH" | "MKD" => 13,
                _ => 12,
            };
            format!("{alpha2}{}", digits(key, length))
        } else {
            String::new()
        };
        Party {
            name: format!("{stem} {activity} {}", trade.suffix),
            address_lines: vec![format!("{street} {}", rng.random_range(1..=240))],
            city: city.to_owned(),
            postcode: postcode.to_owned(),
            country: alpha3.to_owned(),
            identifier_type: if identified { "EORI" } else { "" }.to_owned(),
            identifier,
            ..Default::default()
        }
    }

    fn consignment(
        &mut self,
        movement: &Movement,
        i: u64,
        kind: Option<HitKind>,
    ) -> (Consignment, Option<PlannedHit>) {
        let trigger = match kind {
            Some(HitKind::Cargo(trigger)) => Some(trigger),
            _ => None,
        };
        let place = movement.place;
        let air = movement.airline.is_some();
        let doc_serial = movement.serial * movement.stride + i;
        // Where the goods were loaded, and the states they passed.
        let (loading, mut routing, transit): (String, Vec<String>, Vec<String>) = if air {
            let loading = movement.loading.to_owned();
            let origin = airport_country(&loading);
            let mut routing = vec![origin.to_owned()];
            if trigger == Some(CargoTrigger::SanctionedRoute) {
                // Trucked out of Iran to the hub, flown from there.
                routing.insert(0, "IRN".to_owned());
            }
            (loading, routing, Vec::new())
        } else {
            let origin = if trigger == Some(CargoTrigger::SanctionedRoute) {
                SANCTIONED_PORTS
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("IRBND")
                    .to_owned()
            } else {
                self.origin_port()
            };
            let mut routing = vec![locode_country(&origin).to_owned()];
            let mut transit = Vec::new();
            if origin != movement.loading {
                transit.push(movement.loading.to_owned());
                routing.push(locode_country(movement.loading).to_owned());
            }
            (origin, routing, transit)
        };
        routing.push(place.country.to_owned());
        routing.dedup();
        let origin_country = routing[0].clone();

        let consignee_country = if place.locode == "MEBAR" && self.rng.random_ratio(3, 20) {
            "SRB"
        } else {
            place.country
        };
        let consignee = self.party("consignee", consignee_country, None);
        let consignor_country: &'static str = TRADES
            .iter()
            .find(|t| t.alpha3 == origin_country)
            .map_or("CHN", |t| t.alpha3);
        let consignor = self.party("consignor", consignor_country, None);

        // Equipment: containers of the consignment's own by sea, the flight's ULDs by air.
        let containers: Vec<Container> = match movement.line {
            Some(line) => {
                let count = if self.rng.random_ratio(3, 4) {
                    1
                } else {
                    self.rng.random_range(2..=3)
                };
                (0..count)
                    .map(|c| {
                        let owner = line.owners.choose(&mut self.rng).copied().unwrap_or("MSC");
                        let size_type = ["22G1", "42G1", "45G1"]
                            .choose(&mut self.rng)
                            .copied()
                            .unwrap_or("22G1");
                        Container {
                            number: container_number(owner, doc_serial * 3 + c),
                            size_type: size_type.to_owned(),
                            seal_numbers: vec![format!(
                                "{}{:07}",
                                &line.scac[..2],
                                self.rng.random_range(0..10_000_000)
                            )],
                            ..Default::default()
                        }
                    })
                    .collect()
            }
            None => {
                let uld = movement
                    .ulds
                    .choose(&mut self.rng)
                    .cloned()
                    .unwrap_or_else(|| "AKE12345TK".to_owned());
                vec![Container {
                    number: uld,
                    ..Default::default()
                }]
            }
        };

        let item_count = if trigger.is_some() {
            1
        } else {
            self.rng.random_range(1..=3)
        };
        let mut goods_items = Vec::with_capacity(item_count);
        let mut loads = vec![0.0f64; containers.len()];
        // At most 24 t of goods in a container: the ISO 668 gross less the tare, with margin.
        let per_container = item_count.div_ceil(containers.len()).max(1);
        let max_kg = 24_000.0 / per_container as f64;
        for k in 0..item_count {
            let container = k % containers.len();
            let mut item = self.goods_item(k, air, trigger, &origin_country, max_kg);
            item.container_numbers = vec![containers[container].number.clone()];
            loads[container] += item.gross_weight_kg;
            goods_items.push(item);
        }
        let containers = containers
            .into_iter()
            .zip(&loads)
            .map(|(mut c, load)| {
                if !air {
                    let tare = if c.size_type.starts_with('2') {
                        2_250.0
                    } else {
                        3_800.0
                    };
                    c.gross_weight_kg = (tare + load).round();
                }
                c
            })
            .collect();
        let gross: f64 = goods_items.iter().map(|g| g.gross_weight_kg).sum();
        let packages: u32 = goods_items.iter().map(|g| g.package_count).sum();

        let house = air && trigger.is_none() && self.rng.random_ratio(1, 5);
        let (number, issuer, master) = match (movement.line, movement.airline) {
            (Some(line), _) => (
                format!(
                    "{}{}{:08}",
                    line.bill_prefix,
                    &loading[2..],
                    doc_serial % 100_000_000
                ),
                line.scac.to_owned(),
                String::new(),
            ),
            // A forwarder's house waybill under the flight's consolidation.
            (None, Some(_)) if house => (
                format!(
                    "{}{:09}",
                    place.iata.unwrap_or("HWB"),
                    doc_serial % 1_000_000_000
                ),
                format!(
                    "{}FWD{:05}",
                    &place.locode[..2],
                    stable_hash(doc_serial) % 100
                ),
                movement.master.clone(),
            ),
            (None, airline) => {
                let airline = airline.unwrap_or(&AIRLINES[0]);
                (
                    air_waybill(airline.prefix, doc_serial),
                    airline.designator.to_owned(),
                    String::new(),
                )
            }
        };
        let payment = match trigger {
            Some(CargoTrigger::VagueFreightCollect) => FreightPaymentMethod::NotPrepaid,
            _ => *[
                FreightPaymentMethod::ElectronicTransfer,
                FreightPaymentMethod::ElectronicTransfer,
                FreightPaymentMethod::CarrierAccount,
                FreightPaymentMethod::NotPrepaid,
                FreightPaymentMethod::Unspecified,
            ]
            .choose(&mut self.rng)
            .unwrap_or(&FreightPaymentMethod::ElectronicTransfer),
        };
        let consignment = Consignment {
            transport_document_number: number.clone(),
            master_document_number: master,
            consignor: Some(consignor),
            consignee: Some(consignee),
            goods_items,
            containers,
            place_of_receipt: String::new(),
            place_of_delivery: String::new(),
            countries_of_routing: routing,
            transit_ports: transit,
            freight_payment_method: payment as i32,
            port_of_loading: if air { String::new() } else { loading },
            gross_weight_kg: gross,
            package_count: packages,
            transport_document_issuer: issuer,
            ..Default::default()
        };
        let hit = kind.map(|kind| PlannedHit {
            document_number: number,
            kind,
        });
        (consignment, hit)
    }

    fn origin_port(&mut self) -> String {
        use rand::distr::Distribution;
        let ports = &*PORTS;
        let index = match &self.cargo {
            Some(cargo) => cargo.origin.sample(&mut self.rng),
            None => 0,
        };
        let (code, _) = ports.weighted[index];
        if self.rng.random_ratio(1, 10)
            && let Some((_, others)) = ports.by_country.iter().find(|(c, _)| *c == &code[..2])
            && let Some(other) = others.choose(&mut self.rng)
        {
            return (*other).to_owned();
        }
        code.to_owned()
    }

    fn goods_item(
        &mut self,
        k: usize,
        air: bool,
        trigger: Option<CargoTrigger>,
        origin: &str,
        max_kg: f64,
    ) -> GoodsItem {
        let dangerous_table = if air { DANGEROUS_AIR } else { DANGEROUS_SEA };
        let (hs_code, description, dangerous) = match trigger {
            Some(CargoTrigger::Arms) => {
                let code = ARMS_HS.choose(&mut self.rng).copied().unwrap_or("930320");
                (code.to_owned(), hs_description(code), None)
            }
            Some(CargoTrigger::Explosives) => (
                "360410".to_owned(),
                hs_description("360410"),
                Some(DangerousGoods {
                    un_number: "0336".into(),
                    class: "1.4G".into(),
                    packing_group: String::new(),
                }),
            ),
            _ if self.rng.random_ratio(1, 25) => {
                let (un, class, group, code) = *dangerous_table
                    .choose(&mut self.rng)
                    .unwrap_or(&dangerous_table[0]);
                (
                    code.to_owned(),
                    hs_description(code),
                    Some(DangerousGoods {
                        un_number: un.into(),
                        class: class.into(),
                        packing_group: group.into(),
                    }),
                )
            }
            _ => {
                let (code, description) = ORDINARY_HS
                    .choose(&mut self.rng)
                    .cloned()
                    .unwrap_or(("731210", "Stranded wire, ropes and cables".to_owned()));
                (code.to_owned(), description, None)
            }
        };
        let description = if trigger == Some(CargoTrigger::VagueFreightCollect) {
            VAGUE_DESCRIPTIONS
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("FAK")
                .to_owned()
        } else {
            description
        };
        // A national extension on a third of the codes, as the EU's CN has them.
        let hs_code = if self.rng.random_ratio(1, 3) {
            format!("{hs_code}{:02}", self.rng.random_range(0..10) * 10)
        } else {
            hs_code
        };
        let (package_type, packages, per_package) = if air {
            (
                "PK",
                self.rng.random_range(1..=30u32),
                self.rng.random_range(2.0..40.0),
            )
        } else if self.rng.random_ratio(1, 2) {
            (
                "CT",
                self.rng.random_range(50..=900u32),
                self.rng.random_range(5.0..22.0),
            )
        } else {
            (
                "PX",
                self.rng.random_range(8..=22u32),
                self.rng.random_range(250.0..900.0),
            )
        };
        let packages = packages.min((max_kg / per_package) as u32).max(1);
        let gross = (f64::from(packages) * per_package).round().max(1.0);
        let value_per_kg: f64 = self.rng.random_range(2.0..60.0);
        let currency = if self.rng.random_ratio(1, 4) {
            "USD"
        } else {
            "EUR"
        };
        GoodsItem {
            sequence_number: i32::try_from(k + 1).unwrap_or(1),
            hs_code,
            description,
            package_count: packages,
            package_type: package_type.to_owned(),
            gross_weight_kg: gross,
            net_weight_kg: (gross * 0.92).round(),
            dangerous_goods: dangerous,
            declared_value: Some(Money {
                currency_code: currency.to_owned(),
                units: (gross * value_per_kg).round() as i64,
                nanos: 0,
            }),
            origin_country: origin.to_owned(),
            marks: format!("N/M {}", k + 1),
            container_numbers: Vec::new(),
        }
    }
}

/// The cargo flights into `airports`: every airline's origins to each of them.
pub fn cargo_routes(airports: &[String]) -> Vec<Route> {
    airports
        .iter()
        .flat_map(|arrival| {
            AIRLINES.iter().flat_map(move |airline| {
                airline.origins.iter().map(move |origin| Route {
                    carrier: airline.designator.to_owned(),
                    departure: (*origin).to_owned(),
                    arrival: arrival.clone(),
                })
            })
        })
        .collect()
}

fn locode_country(code: &str) -> &'static str {
    gatehouse_checks::country_of_place(code).unwrap_or("CHN")
}

fn airport_country(code: &str) -> &'static str {
    airport::airport(code)
        .and_then(|a| country::alpha2_to_alpha3(a.country))
        .unwrap_or("TUR")
}

#[cfg(test)]
mod tests {
    use std::{
        collections::{BTreeMap, HashMap, HashSet},
        sync::{Arc, atomic::AtomicU64},
    };

    use chrono::NaiveDate;
    use gatehouse_checks::{AirWaybillNumber, ContainerNumber, HsCode, ImoNumber, UnNumber};
    use gatehouse_rules::{CargoFacts, Evaluation, Fact, compile_cargo};

    use super::*;
    use crate::load::{
        generator::{Kind, Shape, TrafficConfig},
        rules::cargo::cargo_catalogue,
    };

    fn generator(seed: u64, stream: u32, rule_hit_rate: f64) -> Generator {
        let airports: Vec<String> = ["SJJ", "BEG", "SKP"].map(String::from).to_vec();
        Generator::new(
            TrafficConfig {
                kind: Kind::Cargo,
                shape: Shape::Single,
                travellers_per_flight: 150,
                watchlist_hit_rate: 0.0,
                rule_hit_rate,
                listed_documents: 0,
                consignments_per_manifest: 20,
                seed,
                run_id: "load-test".into(),
            },
            Arc::new(cargo_routes(&airports)),
            Arc::new(AtomicU64::new(0)),
            stream,
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        )
        .unwrap()
    }

    fn manifest(item: &Item<StreamManifestsRequest>) -> &CargoManifest {
        item.request.manifest.as_ref().unwrap()
    }

    /// What risk-targeting's `cargo::cargo_facts` makes of a consignment, for a first version
    /// whose parties have no history.
    fn facts(m: &CargoManifest, c: &Consignment) -> CargoFacts {
        let text = |s: &str| Fact::Text(s.to_owned());
        let conveyance = m.conveyance.clone().unwrap_or_default();
        let mode = if m.mode == TransportMode::Air as i32 {
            "air"
        } else {
            "sea"
        };
        let loading = if c.port_of_loading.is_empty() {
            m.port_of_loading.clone()
        } else {
            c.port_of_loading.clone()
        };
        let payment = FreightPaymentMethod::try_from(c.freight_payment_method)
            .ok()
            .filter(|p| *p != FreightPaymentMethod::Unspecified)
            .map(|p| gatehouse_proto::labels::label(p.as_str_name(), "FREIGHT_PAYMENT_METHOD_"))
            .unwrap_or_default();
        let party = |p: &Option<Party>| {
            let p = p.clone().unwrap_or_default();
            BTreeMap::from([
                ("name", text(&p.name)),
                ("country", text(&p.country)),
                ("identifier", text(&p.identifier)),
                ("identifier_type", text(&p.identifier_type)),
                ("first_seen", Fact::Bool(true)),
                ("previous_consignments", Fact::Int(0)),
                ("earlier_origins", Fact::TextList(Vec::new())),
            ])
        };
        let g = &c.goods_items;
        let value: f64 = g
            .iter()
            .filter_map(|i| i.declared_value.as_ref())
            .map(|v| v.units as f64)
            .sum();
        let transit: Vec<String> = c
            .transit_ports
            .iter()
            .filter_map(|p| gatehouse_checks::country_of_place(p).map(str::to_owned))
            .collect();
        let mut countries: Vec<String> = Vec::new();
        for country in gatehouse_checks::country_of_place(&loading)
            .map(str::to_owned)
            .into_iter()
            .chain(c.countries_of_routing.iter().cloned())
            .chain(transit.iter().cloned())
        {
            if !countries.contains(&country) {
                countries.push(country);
            }
        }
        CargoFacts {
            movement: BTreeMap::from([
                ("mode", text(mode)),
                ("carrier", text(&m.carrier)),
                ("voyage_number", text(&m.voyage_number)),
                ("vessel_name", text(&conveyance.name)),
                ("imo_number", text(&conveyance.imo_number)),
                ("vessel_flag", text(&conveyance.nationality)),
                ("port_of_loading", text(&m.port_of_loading)),
                ("port_of_discharge", text(&m.port_of_discharge)),
                ("place_of_entry", text(&m.place_of_entry)),
                ("arrival_date", text("2026-12-03")),
            ]),
            consignment: BTreeMap::from([
                (
                    "transport_document_number",
                    text(&c.transport_document_number),
                ),
                ("master_document_number", text(&c.master_document_number)),
                ("is_house", Fact::Bool(!c.master_document_number.is_empty())),
                ("port_of_loading", text(&loading)),
                ("port_of_discharge", text(&m.port_of_discharge)),
                ("container_count", Fact::Int(c.containers.len() as i64)),
                ("freight_payment", Fact::Text(payment)),
                ("version", Fact::Int(1)),
                ("gross_weight_kg", Fact::Double(c.gross_weight_kg)),
                ("package_count", Fact::Int(i64::from(c.package_count))),
            ]),
            consignee: party(&c.consignee),
            consignor: party(&c.consignor),
            goods: BTreeMap::from([
                (
                    "hs_codes",
                    Fact::TextList(g.iter().map(|i| i.hs_code.clone()).collect()),
                ),
                (
                    "descriptions",
                    Fact::TextList(g.iter().map(|i| i.description.clone()).collect()),
                ),
                (
                    "description_vague",
                    Fact::Bool(
                        g.iter()
                            .any(|i| check_description(&i.description).is_some()),
                    ),
                ),
                (
                    "dangerous_goods_declared",
                    Fact::Bool(g.iter().any(|i| i.dangerous_goods.is_some())),
                ),
                (
                    "un_numbers",
                    Fact::TextList(
                        g.iter()
                            .filter_map(|i| i.dangerous_goods.as_ref())
                            .map(|d| d.un_number.clone())
                            .collect(),
                    ),
                ),
                (
                    "origin_countries",
                    Fact::TextList(g.iter().map(|i| i.origin_country.clone()).collect()),
                ),
                ("item_count", Fact::Int(g.len() as i64)),
                (
                    "declared_value_per_kg",
                    Fact::Double(value / c.gross_weight_kg),
                ),
            ]),
            route: BTreeMap::from([
                ("countries", Fact::TextList(countries)),
                ("transhipment_countries", Fact::TextList(transit)),
            ]),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_manifests_and_another_seed_does_not() {
        let take = |seed, stream| {
            let mut g = generator(seed, stream, 0.05);
            (0..5)
                .map(|_| {
                    let item = g.next_manifest();
                    let m = manifest(&item).clone();
                    (
                        m.voyage_number,
                        m.consignments
                            .iter()
                            .map(|c| {
                                (
                                    c.transport_document_number.clone(),
                                    c.consignee.clone().unwrap().name,
                                    c.goods_items[0].hs_code.clone(),
                                )
                            })
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(take(1, 0), take(1, 0));
        assert_ne!(take(1, 0), take(2, 0));
        assert_ne!(take(1, 0), take(1, 1));
    }

    #[test]
    fn manifests_carry_valid_identifiers_codes_and_weights() {
        let mut g = generator(7, 0, 0.05);
        let (mut sea, mut air, mut houses, mut dangerous) = (0, 0, 0, 0);
        let mut keys = HashSet::new();
        let mut movements = HashSet::new();
        let mut consignees: HashMap<String, u32> = HashMap::new();
        let mut origins = HashSet::new();
        for _ in 0..300 {
            let item = g.next_manifest();
            let m = manifest(&item);
            assert_eq!(item.records, 20);
            assert_eq!(m.consignments.len(), 20);
            assert_eq!(item.arrival, m.place_of_entry);
            assert!(movements.insert((m.mode, m.carrier.clone(), m.voyage_number.clone())));
            assert!(unlocode::location(&m.place_of_entry).is_ok());
            let conveyance = m.conveyance.as_ref().unwrap();
            let is_air = m.mode == TransportMode::Air as i32;
            if is_air {
                air += 1;
                assert!(["SJJ", "BEG", "SKP"].contains(&m.port_of_discharge.as_str()));
                assert!(airport::airport(&m.port_of_loading).is_some());
                assert!(m.voyage_number.starts_with(&m.carrier));
                assert_eq!(conveyance.flight_number, m.voyage_number);
            } else {
                sea += 1;
                assert_eq!(
                    (m.place_of_entry.as_str(), m.port_of_discharge.as_str()),
                    ("MEBAR", "MEBAR")
                );
                ImoNumber::parse(&conveyance.imo_number).unwrap();
                assert!(
                    unlocode::location(&m.port_of_loading)
                        .unwrap()
                        .functions
                        .contains(Function::Port)
                );
            }
            for c in &m.consignments {
                assert!(keys.insert((
                    c.transport_document_number.clone(),
                    c.transport_document_issuer.clone()
                )));
                let consignee = c.consignee.as_ref().unwrap();
                assert_eq!(consignee.identifier_type, "EORI");
                assert!(consignee.identifier.len() <= 17);
                assert_eq!(
                    &consignee.identifier[..2],
                    country::alpha3_to_alpha2(&consignee.country).unwrap()
                );
                *consignees.entry(consignee.identifier.clone()).or_default() += 1;
                if is_air {
                    if c.master_document_number.is_empty() {
                        AirWaybillNumber::parse(&c.transport_document_number).unwrap();
                    } else {
                        houses += 1;
                        AirWaybillNumber::parse(&c.master_document_number).unwrap();
                    }
                    assert!(c.containers.iter().all(|u| u.number.len() == 10));
                } else {
                    origins.insert(c.port_of_loading.clone());
                    assert!(
                        unlocode::location(&c.port_of_loading)
                            .unwrap()
                            .functions
                            .contains(Function::Port)
                    );
                    for container in &c.containers {
                        ContainerNumber::parse(&container.number).unwrap();
                        assert!(container.gross_weight_kg < 30_480.0);
                    }
                }
                let numbers: HashSet<&str> =
                    c.containers.iter().map(|u| u.number.as_str()).collect();
                let mut gross = 0.0;
                for item in &c.goods_items {
                    let hs = HsCode::parse(&item.hs_code).unwrap();
                    assert_eq!(hs.digits(), item.hs_code);
                    assert!(!item.description.is_empty() && item.description.len() <= 512);
                    assert!(
                        item.container_numbers
                            .iter()
                            .all(|n| numbers.contains(n.as_str()))
                    );
                    assert!(
                        item.gross_weight_kg > 0.0 && item.net_weight_kg <= item.gross_weight_kg
                    );
                    let value = item.declared_value.as_ref().unwrap().units as f64;
                    assert!(value >= 1.9 * item.gross_weight_kg, "{value}");
                    if let Some(d) = &item.dangerous_goods {
                        dangerous += 1;
                        UnNumber::parse(&d.un_number).unwrap();
                    }
                    gross += item.gross_weight_kg;
                }
                assert_eq!(c.gross_weight_kg, gross);
                assert!(gross <= 3.0 * 25_000.0);
            }
        }
        assert!(sea > 80 && air > 80, "{sea} sea, {air} air");
        assert!(
            houses > 50 && dangerous > 50,
            "{houses} houses, {dangerous} dangerous"
        );
        assert!(origins.len() >= 30, "{}", origins.len());
        // Consignees repeat: fewer parties than consignments, some of them often.
        assert!(consignees.len() < 6_000 / 2, "{}", consignees.len());
        assert!(consignees.values().any(|n| *n >= 20));
    }

    #[test]
    fn seeded_cargo_rules_fire_on_rule_hits_only_one_trigger_each() {
        let compiled: Vec<(String, _)> = cargo_catalogue()
            .into_iter()
            .map(|r| (r.rule_id.clone(), compile_cargo(&r.expression).unwrap()))
            .collect();
        let mut g = generator(21, 0, 0.05);
        let mut fired_triggers = HashSet::new();
        let mut hits = 0;
        let mut consignments = 0;
        let mut items: Vec<Item<StreamManifestsRequest>> =
            (0..400).map(|_| g.next_manifest()).collect();
        let kinds: Vec<HitKind> = CARGO_TRIGGERS.iter().map(|t| HitKind::Cargo(*t)).collect();
        for place in CARGO_PLACES {
            let warmup = g.warmup_manifest(place.locode, &kinds);
            assert_eq!(warmup.records, 5);
            assert_eq!(warmup.hits.len(), 4);
            assert_eq!(manifest(&warmup).place_of_entry, place.locode);
            items.push(warmup);
        }
        for item in &items {
            let m = manifest(item);
            for c in &m.consignments {
                consignments += 1;
                let facts = facts(m, c);
                let evaluation = Evaluation::cargo(&facts);
                let fired: Vec<&str> = compiled
                    .iter()
                    .filter(|(_, rule)| matches!(evaluation.evaluate(rule), Ok(Some(_))))
                    .map(|(id, _)| id.as_str())
                    .collect();
                let planned = item
                    .hits
                    .iter()
                    .find(|h| h.document_number == c.transport_document_number)
                    .map(|h| h.kind);
                match planned {
                    Some(HitKind::Cargo(trigger)) => {
                        hits += 1;
                        assert_eq!(fired, [trigger.rule().rule_id.as_str()], "{trigger:?}");
                        fired_triggers.insert(trigger);
                    }
                    _ => assert!(
                        fired.is_empty(),
                        "{fired:?} fired on an ordinary consignment"
                    ),
                }
            }
        }
        assert_eq!(fired_triggers.len(), CARGO_TRIGGERS.len());
        let share = f64::from(hits) / f64::from(consignments);
        assert!((share - 0.05).abs() < 0.01, "{share}");
    }

    #[test]
    fn identifiers_get_their_check_digits() {
        assert_eq!(imo_number(907472), "9074729");
        assert_eq!(air_waybill(20, 1_234_567), "020-12345675");
        assert_eq!(container_number("CSQ", 305_438), "CSQU3054383");
        assert!(ORDINARY_HS.len() > 4_000, "{}", ORDINARY_HS.len());
    }
}
