//! `gatehouse check`: offline checks of a machine readable zone and of container, IMO and air
//! waybill numbers (crates/checks). Prints the parts, one `field: value` per line; exits 1 with
//! the rule that failed.
//!
//! The printout shows what the operator typed in, personal values included; the error names
//! fields and rules only.

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use gatehouse_checks::container::EquipmentCategory;
use gatehouse_checks::country::mrz_state;
use gatehouse_checks::mrz::{self, Mrz, Sex};
use gatehouse_checks::{AirWaybillNumber, ContainerNumber, HsCode, ImoNumber, UnNumber, unlocode};

#[derive(Debug, Clone, Subcommand)]
pub enum CheckCommand {
    /// Read a machine readable zone (2 lines: TD2, TD3, visas; 3 lines: TD1) and verify every
    /// check digit. Quote each line: `<` is special to the shell.
    Mrz(MrzArgs),
    /// Verify an ISO 6346 container number (CSQU3054383).
    Container { value: String },
    /// Verify an IMO ship number (IMO 9074729).
    Imo { value: String },
    /// Verify an air waybill number (020-12345675).
    Awb { value: String },
    /// Look up a UN/LOCODE (ME BAR, MEBAR) in UNECE's code list: name, subdivision, functions.
    Unlocode { value: String },
    /// Look up an HS code of 6 to 10 digits (7312.10, 8471300000) in HS 2022.
    Hs { value: String },
    /// Verify the form of a UN dangerous-goods number (UN1942, 1942).
    UnNumber { value: String },
}

#[derive(Debug, Clone, clap::Args)]
pub struct MrzArgs {
    #[arg(value_name = "LINE", num_args = 2..=3, required = true)]
    pub lines: Vec<String>,
    /// Day the dates are read against (a date of birth is not after it) [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub on: Option<NaiveDate>,
}

/// What a check prints, and why it fails when it does.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// `field: value` lines.
    pub printed: String,
    /// The failed rules, when any.
    pub failure: Option<String>,
}

impl Outcome {
    fn field(&mut self, name: &str, value: impl std::fmt::Display) {
        self.printed.push_str(&format!("{name}: {value}\n"));
    }

    fn failed(failure: String) -> Self {
        Self {
            printed: String::new(),
            failure: Some(failure),
        }
    }
}

pub fn run(command: &CheckCommand) -> Result<()> {
    let outcome = check(command, chrono::Local::now().date_naive());
    print!("{}", outcome.printed);
    match outcome.failure {
        Some(failure) => Err(anyhow!(failure)),
        None => Ok(()),
    }
}

/// Runs one check; `today` is the default reference day of MRZ dates.
pub fn check(command: &CheckCommand, today: NaiveDate) -> Outcome {
    match command {
        CheckCommand::Mrz(args) => check_mrz(args, today),
        CheckCommand::Container { value } => match ContainerNumber::parse(value) {
            Ok(number) => {
                let mut outcome = Outcome::default();
                outcome.field("container number", &number);
                outcome.field("owner code", number.owner_code());
                outcome.field("equipment category", category(number.category()));
                outcome.field("serial number", number.serial());
                outcome.field("check digit", number.check_digit());
                outcome
            }
            Err(error) => Outcome::failed(format!("invalid container number: {error}")),
        },
        CheckCommand::Imo { value } => match ImoNumber::parse(value) {
            Ok(number) => {
                let mut outcome = Outcome::default();
                outcome.field("imo number", number);
                outcome.field("check digit", number.value() % 10);
                outcome
            }
            Err(error) => Outcome::failed(format!("invalid IMO number: {error}")),
        },
        CheckCommand::Awb { value } => match AirWaybillNumber::parse(value) {
            Ok(number) => {
                let mut outcome = Outcome::default();
                outcome.field("air waybill number", number);
                outcome.field("airline prefix", format!("{:03}", number.prefix()));
                outcome.field("serial number", format!("{:07}", number.serial() / 10));
                outcome.field("check digit", number.check_digit());
                outcome
            }
            Err(error) => Outcome::failed(format!("invalid air waybill number: {error}")),
        },
        CheckCommand::Unlocode { value } => match unlocode::location(value) {
            Ok(location) => {
                let mut outcome = Outcome::default();
                outcome.field("un/locode", location.code);
                outcome.field("name", location.name);
                outcome.field("country", location.country_code());
                if !location.subdivision.is_empty() {
                    outcome.field("subdivision", location.subdivision);
                }
                let functions: Vec<String> = location
                    .functions
                    .iter()
                    .map(|f| format!("{f:?}"))
                    .collect();
                outcome.field("functions", functions.join(", "));
                if let Some(iata) = location.iata_code() {
                    outcome.field("iata code", iata);
                }
                outcome
            }
            Err(error) => Outcome::failed(format!("invalid UN/LOCODE: {error}")),
        },
        CheckCommand::Hs { value } => match HsCode::parse(value) {
            Ok(code) => {
                let mut outcome = Outcome::default();
                outcome.field("hs code", code.digits());
                outcome.field(
                    "section",
                    format!("{} {}", code.section.numeral, code.section.name),
                );
                for (level, entry) in [
                    ("chapter", code.chapter),
                    ("heading", code.heading),
                    ("subheading", code.subheading),
                ] {
                    outcome.field(level, format!("{} {}", entry.code, entry.description));
                }
                if let Some(extension) = code.national_extension() {
                    outcome.field("national extension", extension);
                }
                outcome
            }
            Err(error) => Outcome::failed(format!("invalid HS code: {error}")),
        },
        CheckCommand::UnNumber { value } => match UnNumber::parse(value) {
            Ok(number) => {
                let mut outcome = Outcome::default();
                outcome.field("un number", number);
                outcome
            }
            Err(error) => Outcome::failed(format!("invalid UN number: {error}")),
        },
    }
}

fn check_mrz(args: &MrzArgs, today: NaiveDate) -> Outcome {
    let lines: Vec<&str> = args.lines.iter().map(String::as_str).collect();
    let reading = match mrz::read(&lines, args.on.unwrap_or(today)) {
        Ok(reading) => reading,
        Err(error) => return Outcome::failed(error.to_string()),
    };
    let mut outcome = Outcome::default();
    print_mrz(&mut outcome, &reading.mrz);
    outcome.failure = reading.into_result().err().map(|error| error.to_string());
    outcome
}

fn print_mrz(outcome: &mut Outcome, mrz: &Mrz) {
    let state = |code: &str| match mrz_state(code) {
        Some(state) => format!("{code} ({})", state.name()),
        None => format!("{code} (not an ISO 3166 or ICAO code)"),
    };
    let date =
        |date: Option<NaiveDate>| date.map_or_else(|| "unknown".to_owned(), |d| d.to_string());
    outcome.field("format", mrz.format);
    outcome.field("document code", &mrz.document_code);
    outcome.field("issuing state", state(&mrz.issuing_state));
    outcome.field("surname", mrz.surname.expose());
    outcome.field("given names", mrz.given_names.expose());
    outcome.field("document number", mrz.document_number.expose());
    outcome.field("nationality", state(&mrz.nationality));
    outcome.field("date of birth", date(*mrz.birth_date.expose()));
    outcome.field(
        "sex",
        match mrz.sex {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unspecified => "unspecified",
        },
    );
    outcome.field("date of expiry", date(mrz.expiry_date));
    outcome.field("optional data", mrz.optional_data.expose());
    if mrz.format == mrz::MrzFormat::Td1 {
        outcome.field("optional data 2", mrz.optional_data_2.expose());
    }
}

fn category(category: EquipmentCategory) -> &'static str {
    match category {
        EquipmentCategory::FreightContainer => "U (freight container)",
        EquipmentCategory::DetachableEquipment => "J (detachable equipment)",
        EquipmentCategory::TrailerOrChassis => "Z (trailer or chassis)",
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::{Cli, Command};

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    fn parse(args: &[&str]) -> CheckCommand {
        let cli = Cli::try_parse_from(["gatehouse", "check"].iter().chain(args)).unwrap();
        let Command::Check { command } = cli.command else {
            panic!("not check");
        };
        command
    }

    #[test]
    fn mrz_prints_every_field_of_the_specimen() {
        let outcome = check(&parse(&["mrz", TD3[0], TD3[1]]), today());
        assert_eq!(outcome.failure, None);
        assert_eq!(
            outcome.printed,
            "format: TD3\n\
             document code: P\n\
             issuing state: UTO (not an ISO 3166 or ICAO code)\n\
             surname: ERIKSSON\n\
             given names: ANNA MARIA\n\
             document number: L898902C3\n\
             nationality: UTO (not an ISO 3166 or ICAO code)\n\
             date of birth: 1974-08-12\n\
             sex: F\n\
             date of expiry: 2012-04-15\n\
             optional data: ZE184226B\n"
        );
    }

    #[test]
    fn td1_takes_three_lines_and_resolves_mrz_codes() {
        let outcome = check(
            &parse(&[
                "mrz",
                "IDD<<T220001293<<<<<<<<<<<<<<<",
                "6408125<2010315D<<<<<<<<<<<<<4",
                "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
            ]),
            today(),
        );
        assert_eq!(outcome.failure, None);
        assert!(outcome.printed.contains("issuing state: D (Germany)\n"));
        assert!(outcome.printed.contains("sex: unspecified\n"));
        assert!(outcome.printed.ends_with("optional data 2: \n"));
    }

    #[test]
    fn mrz_with_wrong_check_digits_prints_fields_and_names_each_failure() {
        // Document number check digit 6 changed to 7, composite 0 changed to 1.
        let second = "L898902C37UTO7408122F1204159ZE184226B<<<<<11";
        let outcome = check(&parse(&["mrz", TD3[0], second]), today());
        assert!(outcome.printed.contains("surname: ERIKSSON\n"));
        assert_eq!(
            outcome.failure.as_deref(),
            Some(
                "machine readable zone fails 2 check(s): document number: check digit does not \
                 match; composite: check digit does not match"
            )
        );
    }

    #[test]
    fn mrz_layout_errors_print_nothing() {
        let outcome = check(&parse(&["mrz", TD3[0], &TD3[1][..40]]), today());
        assert_eq!(
            outcome,
            Outcome::failed("line 2 has 40 characters, expected 44".to_owned())
        );
        assert!(Cli::try_parse_from(["gatehouse", "check", "mrz", TD3[0]]).is_err());
    }

    #[test]
    fn reference_day_comes_from_on() {
        // Born 1 March 2015 read on 1 June 2014 must be 1915.
        let mut second = "9250764733GBR8809117F2007162<<<<<<<<<<<<<<08".to_owned();
        second.replace_range(13..19, "150301");
        let birth = mrz::check_digit("150301").unwrap();
        second.replace_range(19..20, &birth.to_string());
        let composite = [&second[0..10], &second[13..20], &second[21..43]].concat();
        let digit = mrz::check_digit(&composite).unwrap();
        second.replace_range(43..44, &digit.to_string());
        let first = "P<GBRUK<SPECIMEN<<ANGELA<ZOE<<<<<<<<<<<<<<<<";
        let outcome = check(
            &parse(&["mrz", first, &second, "--on", "2014-06-01"]),
            today(),
        );
        assert_eq!(outcome.failure, None);
        assert!(outcome.printed.contains("date of birth: 1915-03-01\n"));
        let outcome = check(&parse(&["mrz", first, &second]), today());
        assert!(outcome.printed.contains("date of birth: 2015-03-01\n"));
    }

    #[test]
    fn cargo_identifiers_print_their_parts_or_the_reason() {
        let container = check(&parse(&["container", "CSQU3054383"]), today());
        assert_eq!(
            container.printed,
            "container number: CSQU3054383\nowner code: CSQ\nequipment category: U (freight \
             container)\nserial number: 305438\ncheck digit: 3\n"
        );
        assert_eq!(
            check(&parse(&["container", "CSQU3054384"]), today()),
            Outcome::failed("invalid container number: check digit is 4, expected 3".to_owned())
        );
        let imo = check(&parse(&["imo", "IMO 9074729"]), today());
        assert_eq!(imo.printed, "imo number: IMO 9074729\ncheck digit: 9\n");
        assert_eq!(
            check(&parse(&["imo", "9074728"]), today())
                .failure
                .as_deref(),
            Some("invalid IMO number: check digit is 8, expected 9")
        );
        let awb = check(&parse(&["awb", "020-12345675"]), today());
        assert_eq!(
            awb.printed,
            "air waybill number: 020-12345675\nairline prefix: 020\nserial number: 1234567\n\
             check digit: 5\n"
        );
        assert_eq!(
            check(&parse(&["awb", "074-22221112"]), today())
                .failure
                .as_deref(),
            Some("invalid air waybill number: check digit is 2, expected 3")
        );
    }

    #[test]
    fn cargo_reference_codes_print_what_the_lists_say_or_the_reason() {
        let bar = check(&parse(&["unlocode", "me bar"]), today());
        assert!(bar.failure.is_none(), "{bar:?}");
        assert!(
            bar.printed
                .starts_with("un/locode: MEBAR\nname: Bar\ncountry: ME\n")
        );
        assert!(bar.printed.contains("functions: Port"), "{}", bar.printed);
        assert!(
            check(&parse(&["unlocode", "XZ123"]), today())
                .failure
                .is_some()
        );
        let hs = check(&parse(&["hs", "7312.10"]), today());
        assert!(hs.failure.is_none(), "{hs:?}");
        assert!(hs.printed.starts_with("hs code: 731210\nsection: XV "));
        assert!(hs.printed.contains("chapter: 73 "));
        assert!(hs.printed.contains("subheading: 731210 "));
        assert!(check(&parse(&["hs", "731"]), today()).failure.is_some());
        let un = check(&parse(&["un-number", "un 1942"]), today());
        assert_eq!(un.printed, "un number: UN1942\n");
        assert_eq!(
            check(&parse(&["un-number", "NA1993"]), today())
                .failure
                .as_deref(),
            Some(
                "invalid UN number: NA and ID numbers are national or IATA identification \
                 numbers, not UN numbers"
            )
        );
    }
}
