//! PNRGOV (PNR data pushed by carriers to Passenger Information Units, UN/EDIFACT as profiled
//! by the IATA/ICAO/WCO PNRGOV EDIFACT Implementation Guide, versions 10.1, 11.1, 13.1 and later)
//! mapped to typed PNRs close to Directive (EU) 2016/681 Annex I and `gatehouse.v1.Pnr`.
//!
//! A message is one push for one flight: MSG (push kind), ORG (sender), TVL (the flight), EQN
//! (number of PNRs), then one SRC group per PNR. Each PNR has its own `Result`: a broken SRC
//! group (no RCI, a TIF without surname) is an error naming its segment, tag and rule while the
//! other PNRs of the message stay usable. Values that do not read (a date, a count) are left out
//! with a warning; segments out of place or unknown are skipped with a warning.
//!
//! Where carriers depart from the guide, what they send is read: arrival times in the third TVL
//! component, RCI dates where the control type belongs, SSR seat details after an empty element,
//! titles glued to given names (`JOHNMR`), postcodes in the ADD telephone position, the operating
//! flight of a codeshare in a TRA or in a TVL holding only flight number and class.
//!
//! # What is derived
//!
//! - Dates: RCI gives the creation, DAT 700 the last transaction ([`Pnr::last_modified`]), DAT 710
//!   the ticketing; other qualifiers (711, check-in `2`, history `T`) are kept as sent.
//! - Names: the title is split off the given name when it ends it (`MR`, `MRS`, `MS`, `MISS`,
//!   `MSTR` glued or after a space; `DR`, `PROF` and others only after a space). A given name
//!   that itself ends in `MS` (ADAMS) loses those letters; the DOCS keeps the name as sent.
//! - Infants: linked to the adult by the TIF pointer, a reference with `I` appended, the adult's
//!   INFT naming them, else the nearest adult before them declaring an infant. An infant's DOCS
//!   (sex `MI`/`FI`) sent in the adult's group moves to the infant.
//! - SSRs become fields: DOCS/DOCO/FOID documents, DOCA addresses, INFT, FQTV, TKNE (joined to the
//!   TKT of the same number, else a ticket of its own), CTCx contacts and seat requests; any other
//!   SSR is a remark. IFT 28 is an OSI remark (and a contact when it holds a CTC), IFT 43 after a
//!   FOP names who paid, IFT 15 is the fare calculation. An SSR naming no traveller in a PNR of
//!   several stays a remark.
//! - Check-in: the TRI is matched to a traveller by the TIF that follows it (reference and
//!   surname), then by name, then by the TRI's own reference. The SSR's board and off points say
//!   which segment a seat is for; a seat for no segment of the itinerary is kept in
//!   [`Pnr::seat_requests`].
//! - Travel status per traveller and segment: from the RPI status code (`NS` is a no-show), else
//!   checked in when a TRI names the traveller. PNRGOV has no go-show indication, so none is made.
//! - The journey type ([`Pnr::trip_type`]) comes from the itinerary: PNRGOV has no one-way field.
//!
//! # Defective transmissions
//!
//! Before reading, the transmission is mended where its intent is unambiguous (see
//! [`crate::Repair`]): line breaks inside segments (column-wrapped feeds), a UNA advice that lost a
//! character or ends in a typographic apostrophe, `’` used as the segment terminator, and a final
//! UNZ without terminator. Every repair is a warning of the interchange.
//!
//! `pnrBadFormat.txt` of the GTAS samples is such a case: a stale UNT count, a UNZ without
//! terminator, and a hand-written note after it. It is read best-effort: the PNR it carries is
//! intact and is what a unit must not lose, while the defects are all envelope-level and each
//! comes back as a warning (under [`ControlCounts::Warn`]; with counts enforced, the stale UNT
//! count makes the message an error, as for PAXLST). Input that cannot be read as intended (a
//! segment cut off mid-way, no UNB) stays an error.
//!
//! Dates are DDMMYY local dates as sent; years of birth are read as not after the interchange's
//! preparation date.
//!
//! [`ControlCounts::Warn`]: crate::ControlCounts::Warn

mod fields;
mod model;
mod pnr;
mod repair;
mod text;

use chrono::NaiveDate;

use self::fields::Fields;
pub use self::model::*;
use crate::diagnostic::{FormatError, MessageError, Rule, Warning, WarningKind};
use crate::edifact::{
    self, GroupHeader, InterchangeHeader, MessageHeader, ReadOptions, Segment, Separators,
};

/// An interchange of PNRGOV messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    /// As advised by UNA (after repair), else the defaults.
    pub separators: Separators,
    pub header: InterchangeHeader,
    pub groups: Vec<GroupHeader>,
    /// One result per UNH, in order.
    pub messages: Vec<Result<PnrgovMessage, MessageError>>,
    /// Repairs of the transmission and envelope warnings; each message and PNR carries its own.
    pub warnings: Vec<Warning>,
}

/// Parses an interchange with control counts enforced ([`ReadOptions::default`]).
pub fn parse_interchange(input: &str) -> Result<Interchange, FormatError> {
    parse_interchange_with(input, ReadOptions::default())
}

pub fn parse_interchange_with(
    input: &str,
    options: ReadOptions,
) -> Result<Interchange, FormatError> {
    let prepared = repair::prepare(input);
    let raw = edifact::read_interchange_with(&prepared.text, options)?;
    let reference = raw.header.prepared.date();
    let decimal_mark = raw.separators.decimal;
    let messages = raw
        .messages
        .into_iter()
        .map(|message| {
            message.and_then(|message| PnrgovMessage::read(message, reference, decimal_mark))
        })
        .collect();
    let mut warnings = prepared.warnings;
    warnings.extend(raw.warnings);
    warnings.sort_by_key(|w| w.segment);
    Ok(Interchange {
        separators: raw.separators,
        header: raw.header,
        groups: raw.groups,
        messages,
        warnings,
    })
}

/// One PNRGOV message: the PNRs of one flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PnrgovMessage {
    pub header: MessageHeader,
    /// MSG; `None` when the message has no MSG (a warning says so).
    pub push: Option<PushKind>,
    /// ORG of the message: the carrier or system that sent it.
    pub sender: Option<Organisation>,
    /// TVL of the message: the flight the PNRs were pushed for.
    pub flight: Flight,
    /// EQN: the number of PNRs the sender says the message holds.
    pub declared_pnrs: Option<usize>,
    /// One result per SRC group, in order.
    pub pnrs: Vec<Result<Pnr, FormatError>>,
    pub warnings: Vec<Warning>,
}

impl PnrgovMessage {
    /// The PNRs that could be read.
    pub fn readable(&self) -> impl Iterator<Item = &Pnr> {
        self.pnrs.iter().filter_map(|pnr| pnr.as_ref().ok())
    }

    fn read(
        message: edifact::Message,
        reference: NaiveDate,
        decimal_mark: char,
    ) -> Result<Self, MessageError> {
        let header = message.header;
        let fail = |rule| MessageError {
            reference: Some(header.reference.clone()),
            error: FormatError::new(header.segment, "UNH", rule),
        };
        if header.message_type != "PNRGOV" {
            return Err(fail(Rule::NotPnrgov));
        }
        let segments = &message.segments;
        let first_pnr = segments
            .iter()
            .position(|s| s.tag() == "SRC")
            .unwrap_or(segments.len());

        let mut fields = Fields::new(reference, decimal_mark);
        let mut push = None;
        let mut sender = None;
        let mut flight = None;
        let mut declared = None;
        for segment in &segments[..first_pnr] {
            match segment.tag() {
                "MSG" if push.is_none() => {
                    push = Some(match segment.component(1, 2) {
                        Some("22") => PushKind::Push,
                        Some("141") => PushKind::AdHoc,
                        other => PushKind::Other(other.unwrap_or_default().to_owned()),
                    });
                }
                "ORG" if sender.is_none() => sender = Some(Fields::organisation(segment)),
                "TVL" if flight.is_none() => flight = Some(fields.flight(segment)),
                "EQN" if declared.is_none() => {
                    declared = fields
                        .number(segment, 1, 1, "number of PNRs")
                        .map(|n| (n as usize, segment));
                }
                _ => fields.warn(segment, WarningKind::NotUsedInPnrgov),
            }
        }
        let flight = flight.ok_or_else(|| fail(Rule::MissingSegment { tag: "TVL" }))?;
        let mut warnings = fields.warnings;
        for (tag, missing) in [("MSG", push.is_none()), ("ORG", sender.is_none())] {
            if missing {
                warnings.push(Warning::new(
                    header.segment,
                    "UNH",
                    WarningKind::MissingSegment { tag },
                ));
            }
        }

        let pnrs = pnr_groups(&segments[first_pnr..])
            .map(|group| pnr::read(group, &mut Fields::new(reference, decimal_mark)))
            .collect::<Vec<_>>();
        if let Some((declared, eqn)) = declared
            && declared != pnrs.len()
        {
            warnings.push(eqn.warning(WarningKind::PnrCount {
                declared,
                actual: pnrs.len(),
            }));
        }
        Ok(Self {
            push,
            sender,
            flight,
            declared_pnrs: declared.map(|(count, _)| count),
            pnrs,
            warnings,
            header,
        })
    }
}

/// The SRC groups of a message body that starts with an SRC, as slices (no copy).
fn pnr_groups(segments: &[Segment]) -> impl Iterator<Item = &[Segment]> {
    let mut rest = segments;
    std::iter::from_fn(move || {
        let (_, tail) = rest.split_first()?;
        let end = tail
            .iter()
            .position(|s| s.tag() == "SRC")
            .map_or(rest.len(), |i| i + 1);
        let (group, next) = rest.split_at(end);
        rest = next;
        Some(group)
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime};

    use super::*;
    use crate::edifact::ControlCounts;

    const LENIENT: ReadOptions = ReadOptions {
        control_counts: ControlCounts::Warn,
    };

    /// UNB is segment 1, UNH 2, then MSG 3, ORG 4, TVL 5, EQN 6: the first SRC is segment 7.
    fn message(reference: &str, eqn: usize, body: &[&str]) -> String {
        let header = [
            "MSG+:22",
            "ORG+ZZ:LON",
            "TVL+010324:1015:010324:1250+LGW+GVA+ZZ+1234",
        ];
        let eqn = format!("EQN+{eqn}");
        let segments: String = header
            .iter()
            .copied()
            .chain([eqn.as_str()])
            .chain(body.iter().copied())
            .map(|s| format!("{s}'"))
            .collect();
        let count = body.len() + 6;
        format!("UNH+{reference}+PNRGOV:13:1:IA+PUSH1'{segments}UNT+{count}+{reference}'")
    }

    fn interchange(messages: &[String]) -> String {
        format!(
            "UNA:+.? 'UNB+IATA:1+ZZ+PIU+240301:0600+IC7'{}UNZ+{}+IC7'",
            messages.concat(),
            messages.len()
        )
    }

    fn only_message(input: &str) -> PnrgovMessage {
        let mut interchange = parse_interchange(input).unwrap();
        assert_eq!(interchange.messages.len(), 1);
        interchange.messages.remove(0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        date(y, m, d).and_hms_opt(h, min, 0).unwrap()
    }

    fn stamp(y: i32, m: u32, d: u32, h: u32, min: u32) -> Option<Stamp> {
        let time = at(y, m, d, h, min);
        Some(Stamp {
            date: time.date(),
            time: Some(time.time()),
        })
    }

    const FULL: [&str; 53] = [
        "SRC",
        "RCI+ZZ:AB12CD::150224:0930+1A:XY98ZT",
        "SSR+WCHR:HK:1:ZZ",
        "DAT+700:280224:1610+710:160224:1200",
        "IFT+4:28::ZZ+CTCE ANA..LUZ//EXAMPLE.ORG",
        "ORG+1A:MUC+12345675:MUCZZ08AA+MUC++T+DE:EUR:DE+A1B2C3",
        "ADD++700:1 RUE HAUTE:GENEVE:GE::CH:1201:H41221234567",
        "EBD+CHF:45.00+1::N",
        "TIF+O?'NEIL+ANA MARIA MRS:A:1:1",
        "FTI+ZZ:123456789:::GOLD",
        "REF+:UPI0001",
        "FAR+A+34++++YFLEX",
        "SSR+DOCS:HK:1:ZZ:::::/P/IRL/PA1234567/IRL/03MAR90/F/01APR30/O?'NEIL/ANA MARIA",
        "SSR+DOCA:HK:1:ZZ:::::/D/CHE/1 RUE HAUTE/GENEVE//1201",
        "SSR+INFT:HK:1:ZZ:::::O?'NEIL/LIAM/05JAN24",
        "SSR+DOCS:HK:1:ZZ:::::/P/IRL/PB7654321/IRL/05JAN24/MI/05JAN29/O?'NEIL/LIAM",
        "TKT+2201234567890:T:1",
        "MON+B:300.00:CHF+T:345.50:CHF",
        "PTK+NR++160224:1200+ZZ+220+GVA",
        "TXD++20.50:::CH+25.00:::YQ",
        "DAT+710:160224:1200",
        "FOP+CC::345.50:VI:XXXXXXXXXXXX1111:0827",
        "IFT+4:43+P SMITH+10 HIGH ST LONDON+441234567",
        "ADD++702:10 HIGH ST:LONDON:::GB:N1 1AA",
        "TIF+O?'NEIL+LIAM:IN:2",
        "TVL+010324:1015:010324:1250+LGW+GVA+ZZ:U2+1234:Y",
        "TRA+U2+8120:Y",
        "RPI+2+HK",
        "APD+320",
        "SSR+SEAT:HK:1:ZZ:::LGW:GVA+012C::1",
        "SSR+TKNE:HK:1:ZZ:::LGW:GVA:2201234567890C1+::1",
        "SSR+TKNE:HK:1:ZZ:::LGW:GVA:INF2201234567891C1+::1",
        "RCI+U2:QW12ER",
        "DAT+2:290224:1800",
        "ORG+U2:LGW",
        "TRI++LGW-017:::1",
        "TIF+O?'NEIL+ANA MARIA MRS:A:1",
        "SSD+12C++++Y",
        "TBD++2:31.5:700+++U2:0220123456:2:GVA:220",
        "TRI++LGW-018:::2",
        "TIF+O?'NEIL+LIAM:IN:2",
        "EQN+1",
        "RCI+ZZ:SP11IT",
        "MSG+8",
        "TVL+010324:1500:050324+GVA:HOTEL DU LAC++ZZ",
        "ABI+4+A1B2C3:GS+MUC++1A",
        "DAT+T:150224:0931",
        "SAC+++A",
        "TVL+010324::010324+LGW+GVA+ZZ+1234:Y",
        "RPI+2+HK",
        "SAC+++X",
        "TIF+ONEIL+ANA MRS:A:1",
        "LTS+0/O/NM/ONEIL/ANA MARIA MRS",
    ];

    #[test]
    fn every_group_of_a_pnr_is_read_into_its_place() {
        let message = only_message(&interchange(&[message("M1", 1, &FULL)]));
        assert!(message.warnings.is_empty(), "{:?}", message.warnings);
        assert_eq!(message.push, Some(PushKind::Push));
        assert_eq!(message.flight.designator().as_deref(), Some("ZZ1234"));
        assert_eq!(message.flight.arrival(), Some(at(2024, 3, 1, 12, 50)));
        assert_eq!(message.declared_pnrs, Some(1));
        let pnr = message.pnrs[0].as_ref().unwrap();
        assert!(pnr.warnings.is_empty(), "{:?}", pnr.warnings);
        assert_eq!(pnr.segment, 7);

        // Gr.1: locators, dates, agency, contacts, excess baggage, remarks.
        assert_eq!(pnr.record_locator.expose(), "AB12CD");
        assert_eq!(pnr.reservation_system.as_deref(), Some("ZZ"));
        assert_eq!(pnr.created, stamp(2024, 2, 15, 9, 30));
        assert_eq!(pnr.other_locators[0].locator.expose(), "XY98ZT");
        assert_eq!(pnr.last_modified(), stamp(2024, 2, 28, 16, 10));
        assert_eq!(pnr.ticketed(), stamp(2024, 2, 16, 12, 0));
        let agency = pnr.agency.as_ref().unwrap();
        assert_eq!(
            (
                agency.company.as_deref(),
                agency.agency_number.as_deref(),
                agency.office_id.as_deref(),
                agency.originator_type.as_deref(),
                agency.country.as_deref(),
                agency.currency.as_deref(),
            ),
            (
                Some("1A"),
                Some("12345675"),
                Some("MUCZZ08AA"),
                Some("T"),
                Some("DE"),
                Some("EUR")
            )
        );
        assert_eq!(agency.agent.as_ref().unwrap().expose(), "A1B2C3");
        let email = &pnr.contacts[0];
        assert_eq!(
            email.email.as_ref().unwrap().expose(),
            "ANA_LUZ@EXAMPLE.ORG"
        );
        assert_eq!(email.carrier.as_deref(), Some("ZZ"));
        let home = &pnr.contacts[1];
        assert_eq!(home.purpose, ContactPurpose::Home);
        assert_eq!(home.phone.as_ref().unwrap().expose(), "41221234567");
        let address = home.address.as_ref().unwrap().expose();
        assert_eq!(
            (address.city.as_deref(), address.postal_code.as_deref()),
            (Some("GENEVE"), Some("1201"))
        );
        assert_eq!(
            pnr.excess_baggage[0].charge.amount,
            Some(Decimal::new(45, 0))
        );
        assert_eq!(pnr.excess_baggage[0].quantity, Some(1));
        let codes: Vec<_> = pnr
            .remarks
            .iter()
            .map(|r| (&r.kind, r.code.as_deref()))
            .collect();
        assert_eq!(
            codes,
            [(&RemarkKind::Ssr, Some("WCHR")), (&RemarkKind::Osi, None)]
        );

        // Gr.2: the adult, with the API data of herself and of the infant she carries.
        let ana = &pnr.travellers[0];
        assert_eq!(ana.surname.expose(), "O'NEIL");
        assert_eq!(ana.given_name.as_ref().unwrap().expose(), "ANA MARIA");
        assert_eq!(ana.title.as_deref(), Some("MRS"));
        assert_eq!((&ana.kind, ana.with_infant), (&PassengerKind::Adult, true));
        assert_eq!(ana.frequent_flyers[0].number.expose(), "123456789");
        assert_eq!(ana.frequent_flyers[0].tier.as_deref(), Some("GOLD"));
        assert_eq!(ana.references[0].value.expose(), "UPI0001");
        assert_eq!(ana.fares[0].fare_basis.as_deref(), Some("YFLEX"));
        assert_eq!(ana.fares[0].age, Some(34));
        assert_eq!(ana.documents.len(), 1);
        let passport = ana.passport().unwrap();
        assert_eq!(passport.number.as_ref().unwrap().expose(), "PA1234567");
        assert_eq!(passport.surname.as_ref().unwrap().expose(), "O'NEIL");
        assert_eq!(passport.expiry, Some(date(2030, 4, 1)));
        assert_eq!(
            ana.date_of_birth.as_ref().unwrap().expose(),
            &date(1990, 3, 3)
        );
        assert_eq!(ana.sex(), Some(Sex::Female));
        assert_eq!(ana.addresses[0].kind, AddressKind::Destination);
        let infant = ana.infant.as_ref().unwrap();
        assert_eq!(infant.given_name.as_ref().unwrap().expose(), "LIAM");
        let liam = &pnr.travellers[1];
        assert_eq!(liam.kind, PassengerKind::Infant);
        assert_eq!(liam.accompanied_by.as_deref(), Some("1"));
        assert_eq!(
            liam.documents[0].number.as_ref().unwrap().expose(),
            "PB7654321"
        );
        assert_eq!(
            liam.date_of_birth.as_ref().unwrap().expose(),
            &date(2024, 1, 5)
        );

        // Gr.3/4: ticket, amounts, taxes, payment with sponsor and billing address.
        let ticket = &pnr.tickets[0];
        assert_eq!(ticket.number.as_ref().unwrap().expose(), "2201234567890");
        assert_eq!(ticket.traveller_ref.as_deref(), Some("1"));
        assert_eq!(
            ticket.total(),
            Some(&Money {
                amount: Some(Decimal::new(345, 500_000_000)),
                currency: Some("CHF".to_owned())
            })
        );
        assert_eq!(ticket.issued(), stamp(2024, 2, 16, 12, 0));
        assert_eq!(
            ticket
                .pricing
                .as_ref()
                .unwrap()
                .validating_carrier
                .as_deref(),
            Some("ZZ")
        );
        assert_eq!(ticket.taxes[1].code.as_deref(), Some("YQ"));
        assert!(ticket.electronic);
        assert_eq!(ticket.coupons[0].itinerary, Some(0));
        let infant_ticket = &pnr.tickets[1];
        assert_eq!(infant_ticket.source, TicketSource::Tkne);
        assert_eq!(infant_ticket.traveller_ref.as_deref(), Some("2"));
        assert!(infant_ticket.coupons[0].infant);
        let payment = &pnr.payments[0];
        assert_eq!(payment.form, PaymentForm::Card);
        assert_eq!(payment.ticket, Some(0));
        assert_eq!(payment.vendor.as_deref(), Some("VI"));
        assert_eq!(
            payment.account_number.as_ref().unwrap().expose(),
            "XXXXXXXXXXXX1111"
        );
        assert_eq!(
            payment.expiry.as_ref().unwrap().expose(),
            &CardExpiry {
                year: 2027,
                month: 8
            }
        );
        let sponsor = payment.sponsor.as_ref().unwrap().expose();
        assert_eq!(sponsor.name.as_deref(), Some("P SMITH"));
        assert_eq!(sponsor.phone.as_deref(), Some("441234567"));
        let billing = payment.billing_address.as_ref().unwrap().expose();
        assert_eq!(billing.postal_code.as_deref(), Some("N1 1AA"));

        // Gr.5-7: codeshare segment, seat, check-in, bags.
        let segment = &pnr.itinerary[0];
        assert!(segment.is_codeshare());
        let operating = segment.operating.as_ref().unwrap();
        assert_eq!(
            (
                operating.carrier.as_deref(),
                operating.flight_number.as_deref()
            ),
            (Some("U2"), Some("8120"))
        );
        let status = segment.status.as_ref().unwrap();
        assert_eq!(
            (status.status, status.quantity),
            (SegmentStatus::Confirmed, Some(2))
        );
        assert_eq!(segment.aircraft.as_deref(), Some("320"));
        assert_eq!(segment.reservations[0].locator.expose(), "QW12ER");
        let on_board = segment.traveller("1").unwrap();
        assert_eq!(on_board.status, TravelStatus::CheckedIn);
        let seat = on_board.seat.as_ref().unwrap();
        assert_eq!(
            (seat.number.as_str(), &seat.source),
            ("12C", &SeatSource::CheckIn)
        );
        let check_in = on_board.check_in.as_ref().unwrap();
        assert_eq!(check_in.sequence.as_deref(), Some("LGW-017"));
        assert_eq!(check_in.at, stamp(2024, 2, 29, 18, 0));
        assert_eq!(
            check_in.agent.as_ref().unwrap().company.as_deref(),
            Some("U2")
        );
        let bags = on_board.bags.as_ref().unwrap();
        assert_eq!(bags.pieces, Some(2));
        assert_eq!(bags.weight_kg(), Some(31.5));
        assert_eq!(bags.tags[0].number.expose(), "0220123456");
        assert_eq!(bags.tags[0].consecutive, Some(2));
        assert_eq!(bags.destination(), Some("GVA"));
        let liam_on_board = segment.traveller("2").unwrap();
        assert_eq!(
            liam_on_board.check_in.as_ref().unwrap().sequence.as_deref(),
            Some("LGW-018")
        );
        assert_eq!(pnr.trip_type(), Some(TripType::OneWay));

        // Gr.8-10 and LTS.
        assert!(pnr.is_split());
        let related: Vec<_> = pnr
            .related_record_locators()
            .map(|l| l.expose().as_str())
            .collect();
        assert_eq!(related, ["SP11IT"]);
        assert_eq!(pnr.splits[0].travellers, Some(1));
        let hotel = &pnr.non_air[0];
        assert_eq!(hotel.kind.as_deref(), Some("8"));
        assert_eq!(
            hotel.products[0].departure_place.as_deref(),
            Some("HOTEL DU LAC")
        );
        assert_eq!(hotel.products[0].arrival_date, Some(date(2024, 3, 5)));
        let entry = &pnr.history[0];
        let credit = entry.credit.as_ref().unwrap();
        assert_eq!(credit.agent.as_ref().unwrap().expose(), "A1B2C3");
        assert_eq!(credit.location.as_deref(), Some("MUC"));
        assert_eq!(entry.at, stamp(2024, 2, 15, 9, 31));
        assert_eq!(entry.changes[0].action, HistoryAction::Added);
        match &entry.changes[0].items[..] {
            [HistoryItem::Flight { flight, status }] => {
                assert_eq!(flight.designator().as_deref(), Some("ZZ1234"));
                assert_eq!(status.as_ref().unwrap().code.as_deref(), Some("HK"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(entry.changes[1].action, HistoryAction::Cancelled);
        match &entry.changes[1].items[..] {
            [HistoryItem::Name { surname, .. }] => assert_eq!(surname.expose(), "ONEIL"),
            other => panic!("{other:?}"),
        }
        assert_eq!(pnr.history_text.len(), 1);
    }

    #[test]
    fn personal_values_never_show_in_debug() {
        let message = only_message(&interchange(&[message("M1", 1, &FULL)]));
        let shown = format!("{message:?}");
        for value in [
            "NEIL",
            "PA1234567",
            "1111",
            "EXAMPLE",
            "AB12CD",
            "0220123456",
        ] {
            assert!(!shown.contains(value), "{value} shown");
        }
    }

    #[test]
    fn a_broken_pnr_is_an_error_and_the_others_stay_usable() {
        let body = [
            "SRC",
            "TIF+ROSSI+LUCA MR:A:1",
            "SRC",
            "RCI+ZZ:GOOD01",
            "TIF+BIANCHI+SARA:A:1",
            "SRC",
            "RCI+ZZ:BAD002",
            "TIF+:G+X:A:1",
        ];
        let message = only_message(&interchange(&[message("M1", 4, &body)]));
        assert_eq!(message.pnrs.len(), 3);
        assert_eq!(
            message.pnrs[0].as_ref().unwrap_err(),
            &FormatError::new(7, "SRC", Rule::MissingSegment { tag: "RCI" })
        );
        let good = message.pnrs[1].as_ref().unwrap();
        assert_eq!(good.record_locator.expose(), "GOOD01");
        assert_eq!(good.travellers[0].surname.expose(), "BIANCHI");
        let error = message.pnrs[2].as_ref().unwrap_err();
        assert_eq!(
            error,
            &FormatError::new(
                14,
                "TIF",
                Rule::MissingElement {
                    element: 1,
                    name: "traveller surname"
                }
            )
        );
        assert!(!error.to_string().contains("BAD002"), "{error}");
        assert_eq!(message.readable().count(), 1);
        assert_eq!(
            message.warnings,
            [Warning::new(
                6,
                "EQN",
                WarningKind::PnrCount {
                    declared: 4,
                    actual: 3
                }
            )]
        );
    }

    #[test]
    fn unknown_and_misplaced_segments_and_unreadable_values_are_warnings() {
        let body = [
            "SRC",
            "RCI+ZZ:WARN01::310299:0900",
            "TKT+1234567890123:T:1",
            "XYZ+1",
            "TIF+MARTIN+PAUL:A:1",
            "FOP+CC::12.3.4:VI:4111:1399",
            "TVL+290224:2560::0100+CDG+NCE+ZZ+55",
            "RPI+X+HK",
            "SSD+1A",
        ];
        let message = only_message(&interchange(&[message("M1", 1, &body)]));
        let pnr = message.pnrs[0].as_ref().unwrap();
        let warnings: Vec<_> = pnr
            .warnings
            .iter()
            .map(|w| (w.segment, w.tag.as_str(), w.kind.clone()))
            .collect();
        let invalid = |element, component, name| WarningKind::InvalidValue {
            element,
            component,
            name,
        };
        assert_eq!(
            warnings,
            [
                (8, "RCI", invalid(1, 4, "reservation creation date")),
                (9, "TKT", WarningKind::NotUsedInPnrgov),
                (10, "XYZ", WarningKind::NotUsedInPnrgov),
                (12, "FOP", invalid(1, 6, "card expiry")),
                (12, "FOP", invalid(1, 3, "payment amount")),
                (13, "TVL", invalid(1, 2, "departure time")),
                (14, "RPI", invalid(1, 1, "number of travellers")),
                (15, "SSD", WarningKind::NotUsedInPnrgov),
            ]
        );
        assert_eq!(pnr.created, None);
        assert_eq!(
            pnr.itinerary[0].flight.departure_date,
            Some(date(2024, 2, 29))
        );
        assert_eq!(
            pnr.itinerary[0].flight.arrival(),
            Some(at(2024, 2, 29, 1, 0))
        );
        assert_eq!(pnr.payments[0].amount, None);
        assert!(pnr.tickets.is_empty());
    }

    #[test]
    fn optional_elements_may_be_missing() {
        let body = ["SRC", "RCI+ZZ:MIN001", "TIF+DOE", "TVL+++++"];
        let message = only_message(&interchange(&[message("M1", 1, &body)]));
        let pnr = message.pnrs[0].as_ref().unwrap();
        assert!(pnr.warnings.is_empty(), "{:?}", pnr.warnings);
        let doe = &pnr.travellers[0];
        assert_eq!(doe.surname.expose(), "DOE");
        assert_eq!((doe.given_name.as_ref(), doe.title.as_ref()), (None, None));
        assert_eq!(
            (&doe.kind, &doe.reference),
            (&PassengerKind::Unspecified, &None)
        );
        assert_eq!(
            pnr.itinerary[0].flight,
            Flight {
                segment: 10,
                ..Flight::default()
            }
        );
        assert_eq!(pnr.itinerary[0].travellers[0].status, TravelStatus::Unknown);
        assert_eq!(pnr.agency, None);
        assert_eq!(pnr.trip_type(), None);
    }

    #[test]
    fn release_characters_keep_separators_inside_values() {
        let body = [
            "SRC",
            "RCI+ZZ:REL001",
            "TIF+D?'ARC?+SMITH+JEAN?:LUC MR:A:1",
            "IFT+4:28::ZZ+CTCE J?+1//X.FR",
            "SSR+OTHS:HK:1:ZZ:::::50?% OFF?? ASK",
        ];
        let message = only_message(&interchange(&[message("M1", 1, &body)]));
        let pnr = message.pnrs[0].as_ref().unwrap();
        let jean = &pnr.travellers[0];
        assert_eq!(jean.surname.expose(), "D'ARC+SMITH");
        assert_eq!(jean.given_name.as_ref().unwrap().expose(), "JEAN:LUC");
        assert_eq!(jean.title.as_deref(), Some("MR"));
        assert_eq!(pnr.contacts[0].email.as_ref().unwrap().expose(), "J+1@X.FR");
        let remark = pnr
            .remarks
            .iter()
            .find(|r| r.code.as_deref() == Some("OTHS"));
        assert_eq!(
            remark.unwrap().text.as_ref().unwrap().expose(),
            "50% OFF? ASK"
        );
    }

    #[test]
    fn infants_are_linked_by_reference_or_by_the_adults_request() {
        let body = [
            "SRC",
            "RCI+ZZ:INF001",
            "TIF+KOWALSKI+ADAM MR:A:1",
            "TIF+KOWALSKA+EWA MRS:A:2",
            "SSR+INFT:HK:1:ZZ:::::KOWALSKA/ZOFIA 02FEB24+::2",
            "TIF+KOWALSKA+ZOFIA:IN:3",
            "SRC",
            "RCI+ZZ:INF002",
            "TIF+NOVAK+IVA:IN:7I",
            "TIF+NOVAK+PETR MR:A:7",
        ];
        let message = only_message(&interchange(&[message("M1", 2, &body)]));
        let first = message.pnrs[0].as_ref().unwrap();
        let zofia = &first.travellers[2];
        assert_eq!(zofia.accompanied_by.as_deref(), Some("2"));
        assert_eq!(
            zofia.date_of_birth.as_ref().unwrap().expose(),
            &date(2024, 2, 2)
        );
        assert_eq!(first.travellers[1].date_of_birth, None);
        let second = message.pnrs[1].as_ref().unwrap();
        assert_eq!(second.travellers[0].accompanied_by.as_deref(), Some("7"));
    }

    #[test]
    fn seats_bags_groups_and_journeys() {
        let body = [
            "SRC",
            "RCI+ZZ:GRP001",
            "TIF+ALPINE CLUB:G",
            "TIF+BERG+ANNA:A:1",
            "TIF+BERG+OTTO:A:2",
            "TVL+100324:0700::0830+ZRH+VIE+ZZ+10",
            "RPI+12+HK",
            "SSR+SEAT:HK:2:ZZ:::ZRH:VIE:.07AN07BN",
            "SSR+NSST:HK:1:ZZ:::GVA:VIE+03F::1",
            "TVL+170324:1900::2030+VIE+ZRH+ZZ+11",
            "RPI+12+NS",
        ];
        let message = only_message(&interchange(&[message("M1", 1, &body)]));
        let pnr = message.pnrs[0].as_ref().unwrap();
        assert_eq!(pnr.group_name.as_ref().unwrap().expose(), "ALPINE CLUB");
        assert_eq!(pnr.travellers.len(), 2);
        assert_eq!(pnr.traveller_count(), 12);
        let outbound = &pnr.itinerary[0];
        let seats: Vec<_> = outbound
            .travellers
            .iter()
            .map(|t| t.seat.as_ref().map(|s| s.number.as_str()))
            .collect();
        assert_eq!(seats, [Some("7A"), Some("7B")]);
        assert_eq!(pnr.seat_requests[0].board.as_deref(), Some("GVA"));
        assert_eq!(pnr.seat_requests[0].seat.number, "3F");
        let back = &pnr.itinerary[1];
        assert!(
            back.travellers
                .iter()
                .all(|t| t.status == TravelStatus::NoShow)
        );
        assert_eq!(pnr.trip_type(), Some(TripType::Return));
    }

    #[test]
    fn envelope_defects_fail_only_what_they_touch() {
        let good = message("M2", 1, &["SRC", "RCI+ZZ:ENV001", "TIF+LEE+MAY:A:1"]);
        // A message without UNT, another with a stale count.
        let cut = message("M1", 0, &[]).replace("UNT+6+M1'", "");
        let stale = message("M3", 0, &[]).replace("UNT+6+M3'", "UNT+9+M3'");
        let input = interchange(&[cut, good.clone(), stale.clone()]);
        let interchange = parse_interchange(&input).unwrap();
        assert_eq!(
            interchange.messages[0].as_ref().unwrap_err().error,
            FormatError::new(2, "UNH", Rule::UnterminatedMessage)
        );
        assert!(interchange.messages[1].is_ok());
        assert_eq!(
            interchange.messages[2].as_ref().unwrap_err().error.rule,
            Rule::SegmentCount {
                declared: 9,
                actual: 6
            }
        );
        let lenient = parse_interchange_with(&input, LENIENT).unwrap();
        assert!(lenient.messages[2].is_ok());

        // Cut off inside a segment: nothing can be trusted.
        let truncated = format!("UNA:+.? 'UNB+IATA:1+ZZ+PIU+240301:0600+IC7'{}", &good[..40]);
        assert_eq!(
            parse_interchange(&truncated).unwrap_err().rule,
            Rule::UnterminatedSegment
        );
    }

    #[test]
    fn other_message_types_and_missing_header_segments() {
        let paxlst = "UNH+P1+PAXLST:D:05B:UN:IATA'BGM+745'UNT+3+P1'".to_owned();
        let no_flight = "UNH+N1+PNRGOV:13:1:IA'EQN+0'UNT+3+N1'".to_owned();
        let bare = "UNH+B1+PNRGOV:13:1:IA'TVL+010324+LGW+GVA+ZZ+1'UNT+3+B1'".to_owned();
        let interchange = parse_interchange(&interchange(&[paxlst, no_flight, bare])).unwrap();
        assert_eq!(
            interchange.messages[0].as_ref().unwrap_err().error.rule,
            Rule::NotPnrgov
        );
        assert_eq!(
            interchange.messages[1].as_ref().unwrap_err().error,
            FormatError::new(5, "UNH", Rule::MissingSegment { tag: "TVL" })
        );
        let bare = interchange.messages[2].as_ref().unwrap();
        assert!(bare.pnrs.is_empty() && bare.push.is_none());
        let missing: Vec<_> = bare.warnings.iter().map(|w| (w.segment, &w.kind)).collect();
        assert_eq!(
            missing,
            [
                (8, &WarningKind::MissingSegment { tag: "MSG" }),
                (8, &WarningKind::MissingSegment { tag: "ORG" })
            ]
        );
    }
}
