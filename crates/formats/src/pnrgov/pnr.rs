//! One SRC group read into a [`Pnr`].
//!
//! Segments are taken in order and each opens or continues a group of the PNRGOV structure:
//! Gr.1 booking (RCI, SSR, DAT, IFT, ORG, ADD, EBD), Gr.2 traveller (TIF, FTI, IFT, REF, EBD,
//! FAR, SSR, ADD), Gr.3 ticket (TKT, MON, PTK, TXD, DAT), Gr.4 payment (FOP, IFT, ADD), Gr.5
//! itinerary (TVL, TRA, RPI, APD, SSR, RCI, IFT), Gr.6/7 check-in (DAT, ORG, TRI, TIF, SSD, TBD),
//! Gr.8 split (EQN, RCI), Gr.9 non-air (MSG, TVL), Gr.10-12 history (ABI, DAT, SAC, TIF, SSR,
//! IFT, TBD, TVL, RPI) and LTS. A segment out of place is skipped with a warning; what refers to
//! travellers by reference is resolved once the whole group is read.

use super::fields::{self, Fields, Ift, Ssr, owned};
use super::model::{
    Address, CheckIn, CheckedBags, Contact, ContactPurpose, DocumentAddress, FrequentFlyer,
    HistoryAction, HistoryChange, HistoryEntry, HistoryItem, HistoryText, InfantDetails,
    ItinerarySegment, NonAirService, OperatingFlight, Organisation, PassengerKind, Pnr,
    PnrTraveller, Remark, RemarkKind, Seat, SeatSource, Split, Sponsor, Stamp, TravelDocument,
};
use super::text::{self, Channel, ContactText};
use crate::diagnostic::{FormatError, Rule, WarningKind};
use crate::edifact::Segment;
use crate::personal::Personal;

mod resolve;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Booking,
    Traveller,
    Ticket,
    Payment,
    Itinerary,
    CheckIn,
    CheckInTraveller,
    Split,
    NonAir,
    History,
    HistoryChange,
}

impl Group {
    fn in_traveller(self) -> bool {
        matches!(self, Self::Traveller | Self::Ticket | Self::Payment)
    }

    fn in_itinerary(self) -> bool {
        matches!(
            self,
            Self::Itinerary | Self::CheckIn | Self::CheckInTraveller
        )
    }

    fn in_history(self) -> bool {
        matches!(self, Self::History | Self::HistoryChange)
    }
}

/// Whom an element read before the travellers are known belongs to.
#[derive(Debug, Clone)]
enum Target {
    /// The traveller whose group it was read in.
    Index(usize),
    /// A traveller reference named in the element.
    Reference(String),
    Booking,
}

#[derive(Clone)]
enum Assigned {
    Document(TravelDocument),
    Address(DocumentAddress),
    FrequentFlyer(FrequentFlyer),
    Infant(InfantDetails),
}

struct SeatFact<'s> {
    itinerary: Option<usize>,
    board: Option<&'s str>,
    off: Option<&'s str>,
    traveller_ref: Option<&'s str>,
    seat: Seat,
}

struct CheckInFact<'s> {
    itinerary: usize,
    tri_ref: Option<&'s str>,
    /// The TIF of Gr.7: reference, surname, given name.
    name: Option<(Option<&'s str>, &'s str, Option<&'s str>)>,
    check_in: CheckIn,
    seat: Option<Seat>,
    bags: Option<CheckedBags>,
}

struct TicketFact<'s> {
    segment: usize,
    target: Target,
    number: text::TicketNumber,
    itinerary: Option<usize>,
    board: Option<&'s str>,
    off: Option<&'s str>,
}

struct Reader<'f, 's> {
    fields: &'f mut Fields,
    pnr: Pnr,
    locator: bool,
    group: Group,
    traveller: Option<usize>,
    ticket: Option<usize>,
    /// Index in `pnr.payments` of the first payment of the last FOP.
    payments_from: usize,
    check_in: (Option<Stamp>, Option<Organisation>),
    check_in_traveller: Option<CheckInFact<'s>>,
    check_ins: Vec<CheckInFact<'s>>,
    seats: Vec<SeatFact<'s>>,
    /// With the SSR as a remark, kept when no traveller may take the item.
    assigned: Vec<(Target, Assigned, Option<Remark>)>,
    e_tickets: Vec<TicketFact<'s>>,
    fare_calculations: Vec<(usize, String)>,
    infant_hints: Vec<(usize, String)>,
}

/// Reads the SRC group `segments` (the SRC first).
pub(super) fn read(segments: &[Segment], fields: &mut Fields) -> Result<Pnr, FormatError> {
    let src = segments
        .first()
        .ok_or_else(|| FormatError::new(0, "SRC", Rule::MissingSegment { tag: "SRC" }))?;
    let mut reader = Reader {
        fields,
        pnr: Pnr {
            segment: src.number(),
            record_locator: Personal::new(String::new()),
            reservation_system: None,
            created: None,
            other_locators: Vec::new(),
            dates: Vec::new(),
            agency: None,
            group_name: None,
            travellers: Vec::new(),
            itinerary: Vec::new(),
            seat_requests: Vec::new(),
            non_air: Vec::new(),
            tickets: Vec::new(),
            payments: Vec::new(),
            contacts: Vec::new(),
            excess_baggage: Vec::new(),
            remarks: Vec::new(),
            splits: Vec::new(),
            history: Vec::new(),
            history_text: Vec::new(),
            warnings: Vec::new(),
        },
        locator: false,
        group: Group::Booking,
        traveller: None,
        ticket: None,
        payments_from: 0,
        check_in: (None, None),
        check_in_traveller: None,
        check_ins: Vec::new(),
        seats: Vec::new(),
        assigned: Vec::new(),
        e_tickets: Vec::new(),
        fare_calculations: Vec::new(),
        infant_hints: Vec::new(),
    };
    for segment in &segments[1..] {
        reader.segment(segment)?;
    }
    if !reader.locator {
        return Err(src.error(Rule::MissingSegment { tag: "RCI" }));
    }
    Ok(reader.finish())
}

impl<'s> Reader<'_, 's> {
    fn unused(&mut self, segment: &'s Segment) {
        self.fields.warn(segment, WarningKind::NotUsedInPnrgov);
    }

    fn traveller_ref(&self) -> Option<String> {
        let index = self.traveller.filter(|_| self.group.in_traveller())?;
        self.pnr.travellers.get(index)?.reference.clone()
    }

    fn itinerary_index(&self) -> Option<usize> {
        self.group
            .in_itinerary()
            .then(|| self.pnr.itinerary.len().checked_sub(1))
            .flatten()
    }

    fn segment(&mut self, segment: &'s Segment) -> Result<(), FormatError> {
        match segment.tag() {
            "RCI" => self.rci(segment)?,
            "SSR" => self.ssr(segment),
            "DAT" => self.dat(segment),
            "IFT" => self.ift(segment),
            "ORG" => self.org(segment),
            "ADD" => self.add(segment),
            "EBD" => self.ebd(segment),
            "TIF" => self.tif(segment)?,
            "FTI" | "REF" | "FAR" => self.traveller_detail(segment),
            "TKT" => self.tkt(segment),
            "MON" | "PTK" | "TXD" => self.ticket_detail(segment),
            "FOP" => self.fop(segment),
            "TVL" => self.tvl(segment),
            "TRA" | "RPI" | "APD" => self.itinerary_detail(segment),
            "TRI" => self.tri(segment),
            "SSD" => self.ssd(segment),
            "TBD" => self.tbd(segment),
            "EQN" => {
                let travellers = self
                    .fields
                    .number(segment, 1, 1, "number of travellers split");
                self.pnr.splits.push(Split {
                    segment: segment.number(),
                    travellers,
                    related: Vec::new(),
                });
                self.group = Group::Split;
            }
            "MSG" => {
                self.pnr.non_air.push(NonAirService {
                    segment: segment.number(),
                    kind: owned(segment, 1, 1),
                    products: Vec::new(),
                });
                self.group = Group::NonAir;
            }
            "ABI" => {
                self.pnr.history.push(HistoryEntry {
                    segment: segment.number(),
                    credit: Some(Fields::history_credit(segment)),
                    at: None,
                    changes: Vec::new(),
                });
                self.group = Group::History;
            }
            "SAC" => {
                let action = match segment.value(3) {
                    Some("A") => HistoryAction::Added,
                    Some("X") => HistoryAction::Cancelled,
                    Some("C") => HistoryAction::Changed,
                    Some(other) => HistoryAction::Other(other.to_owned()),
                    None => HistoryAction::Unspecified,
                };
                self.history_entry(segment).changes.push(HistoryChange {
                    segment: segment.number(),
                    action,
                    items: Vec::new(),
                });
                self.group = Group::HistoryChange;
            }
            "LTS" => {
                if let Some(text) = fields::text_from(segment, 1, 1) {
                    self.pnr.history_text.push(HistoryText {
                        segment: segment.number(),
                        text: Personal::new(text.into_owned()),
                    });
                }
            }
            _ => self.unused(segment),
        }
        Ok(())
    }

    fn rci(&mut self, segment: &'s Segment) -> Result<(), FormatError> {
        let references = self.fields.reservations(segment);
        if !self.locator {
            let mut references = references.into_iter();
            let first = references.next().ok_or_else(|| {
                segment.error(Rule::MissingElement {
                    element: 1,
                    name: "reservation control number",
                })
            })?;
            self.locator = true;
            self.pnr.record_locator = first.locator;
            self.pnr.reservation_system = first.system;
            self.pnr.created = first.created;
            self.pnr.other_locators.extend(references);
            return Ok(());
        }
        match self.group {
            Group::Split => {
                if let Some(split) = self.pnr.splits.last_mut() {
                    split.related.extend(references);
                }
            }
            group if group.in_itinerary() => {
                if let Some(itinerary) = self.pnr.itinerary.last_mut() {
                    itinerary.reservations.extend(references);
                }
            }
            Group::Booking => self.pnr.other_locators.extend(references),
            _ => self.unused(segment),
        }
        Ok(())
    }

    fn dat(&mut self, segment: &'s Segment) {
        let dates = self.fields.dates(segment);
        match self.group {
            Group::Booking | Group::Traveller | Group::Split | Group::NonAir => {
                self.pnr.dates.extend(dates);
            }
            Group::Ticket | Group::Payment => match self.ticket {
                Some(ticket) => self.pnr.tickets[ticket].dates.extend(dates),
                None => self.pnr.dates.extend(dates),
            },
            Group::Itinerary | Group::CheckIn | Group::CheckInTraveller => {
                self.close_check_in_traveller();
                self.check_in = (dates.first().and_then(|d| d.at), None);
                self.group = Group::CheckIn;
            }
            Group::History | Group::HistoryChange => {
                let at = dates.first().and_then(|d| d.at);
                let entry = self.history_entry(segment);
                if entry.at.is_none() {
                    entry.at = at;
                }
            }
        }
    }

    fn org(&mut self, segment: &'s Segment) {
        let organisation = Fields::organisation(segment);
        match self.group {
            Group::Booking if self.pnr.agency.is_none() => self.pnr.agency = Some(organisation),
            Group::CheckIn => self.check_in.1 = Some(organisation),
            _ => self.unused(segment),
        }
    }

    fn ebd(&mut self, segment: &'s Segment) {
        let excess = self.fields.excess(segment);
        match self.traveller.filter(|_| self.group.in_traveller()) {
            Some(index) => self.pnr.travellers[index].excess_baggage.push(excess),
            None if self.group == Group::Booking => self.pnr.excess_baggage.push(excess),
            None => self.unused(segment),
        }
    }

    fn tif(&mut self, segment: &'s Segment) -> Result<(), FormatError> {
        match self.group {
            Group::CheckIn | Group::CheckInTraveller => {
                let name = fields::tif_names(segment).next();
                match (self.check_in_traveller.as_mut(), name) {
                    (Some(fact), Some(name)) if fact.name.is_none() => {
                        fact.name = name.surname.map(|surname| {
                            let given = name.given.map(|g| text::split_title(g).0);
                            (name.reference, surname, given.filter(|g| !g.is_empty()))
                        });
                    }
                    _ => self.unused(segment),
                }
            }
            group if group.in_history() => {
                for name in fields::tif_names(segment) {
                    let Some(surname) = name.surname else {
                        continue;
                    };
                    let item = HistoryItem::Name {
                        segment: segment.number(),
                        surname: Personal::new(surname.to_owned()),
                        given_name: name.given.map(|g| Personal::new(g.to_owned())),
                        reference: name.reference.map(str::to_owned),
                    };
                    self.history_change(segment).items.push(item);
                }
            }
            Group::Booking | Group::Traveller | Group::Ticket | Group::Payment => {
                for name in fields::tif_names(segment) {
                    let surname = name.surname.ok_or_else(|| {
                        segment.error(Rule::MissingElement {
                            element: 1,
                            name: "traveller surname",
                        })
                    })?;
                    if name.qualifier == Some("G") {
                        self.pnr.group_name = Some(Personal::new(surname.to_owned()));
                        continue;
                    }
                    let (given, title) = name.given.map_or(("", None), text::split_title);
                    let kind = match name.kind {
                        Some("A" | "ADT") => PassengerKind::Adult,
                        Some("C" | "CH" | "CHD") => PassengerKind::Child,
                        Some("IN" | "INF") => PassengerKind::Infant,
                        Some(other) => PassengerKind::Other(other.to_owned()),
                        None => PassengerKind::Unspecified,
                    };
                    let index = self.pnr.travellers.len();
                    if let Some(hint) = name.infant_indicator {
                        self.infant_hints.push((index, hint.to_owned()));
                    }
                    self.pnr.travellers.push(PnrTraveller {
                        segment: segment.number(),
                        reference: name.reference.map(str::to_owned),
                        surname: Personal::new(surname.to_owned()),
                        given_name: (!given.is_empty()).then(|| Personal::new(given.to_owned())),
                        title: title.map(str::to_owned),
                        with_infant: name.infant_indicator.is_some()
                            && kind != PassengerKind::Infant,
                        kind,
                        accompanied_by: None,
                        infant: None,
                        date_of_birth: None,
                        frequent_flyers: Vec::new(),
                        references: Vec::new(),
                        fares: Vec::new(),
                        documents: Vec::new(),
                        addresses: Vec::new(),
                        excess_baggage: Vec::new(),
                    });
                    self.traveller = Some(index);
                    self.ticket = None;
                    self.group = Group::Traveller;
                }
            }
            _ => self.unused(segment),
        }
        Ok(())
    }

    fn traveller_detail(&mut self, segment: &'s Segment) {
        let Some(index) = self.traveller.filter(|_| self.group.in_traveller()) else {
            self.unused(segment);
            return;
        };
        match segment.tag() {
            "FTI" => {
                let flyers = Fields::frequent_flyers(segment);
                self.pnr.travellers[index].frequent_flyers.extend(flyers);
            }
            "REF" => {
                let references = Fields::references(segment);
                self.pnr.travellers[index].references.extend(references);
            }
            _ => {
                let fare = self.fields.fare(segment);
                self.pnr.travellers[index].fares.push(fare);
            }
        }
    }

    fn tkt(&mut self, segment: &'s Segment) {
        if !self.group.in_traveller() {
            self.unused(segment);
            return;
        }
        let ticket = self.fields.ticket(segment, self.traveller_ref());
        self.ticket = Some(self.pnr.tickets.len());
        self.pnr.tickets.push(ticket);
        self.group = Group::Ticket;
    }

    fn ticket_detail(&mut self, segment: &'s Segment) {
        let Some(index) = self
            .ticket
            .filter(|_| matches!(self.group, Group::Ticket | Group::Payment))
        else {
            self.unused(segment);
            return;
        };
        match segment.tag() {
            "MON" => {
                let amounts = self.fields.amounts(segment);
                self.pnr.tickets[index].amounts.extend(amounts);
            }
            "PTK" => {
                let pricing = self.fields.pricing(segment);
                self.pnr.tickets[index].pricing = Some(pricing);
            }
            _ => {
                let taxes = self.fields.taxes(segment);
                self.pnr.tickets[index].taxes.extend(taxes);
            }
        }
    }

    fn fop(&mut self, segment: &'s Segment) {
        if !self.group.in_traveller() {
            self.unused(segment);
            return;
        }
        let traveller_ref = self.traveller_ref();
        let payments = self
            .fields
            .payments(segment, traveller_ref.as_deref(), self.ticket);
        self.payments_from = self.pnr.payments.len();
        self.pnr.payments.extend(payments);
        self.group = Group::Payment;
    }

    fn ift(&mut self, segment: &'s Segment) {
        let ift = Ift::read(segment);
        let Some(text) = ift.text() else {
            return;
        };
        if self.group.in_history() {
            let item = HistoryItem::Text {
                segment: segment.number(),
                text: Personal::new(text),
            };
            self.history_change(segment).items.push(item);
            return;
        }
        if self.group == Group::Payment && ift.kind == Some("43") {
            let line = |n: usize| ift.lines.get(n).map(|line| line.to_string());
            let sponsor = Sponsor {
                name: line(0),
                address: line(1),
                phone: line(2),
            };
            for payment in &mut self.pnr.payments[self.payments_from..] {
                payment.sponsor = Some(Personal::new(sponsor.clone()));
            }
            return;
        }
        let traveller_ref = self.traveller_ref();
        let itinerary = self.itinerary_index();
        let kind = match ift.kind {
            Some("28") => RemarkKind::Osi,
            Some("15") => RemarkKind::FareCalculation,
            other => RemarkKind::General(other.map(str::to_owned)),
        };
        if kind == RemarkKind::Osi
            && let Some(mut contact) = text::ctc(&text)
        {
            contact.carrier = ift.carrier.map(str::to_owned).or(contact.carrier);
            self.contact(segment, contact, traveller_ref.clone(), None, None);
        }
        if kind == RemarkKind::FareCalculation
            && let Some(index) = self.traveller.filter(|_| self.group.in_traveller())
        {
            self.fare_calculations.push((index, text.clone()));
        }
        self.pnr.remarks.push(Remark {
            segment: segment.number(),
            kind,
            code: None,
            status: None,
            carrier: ift.carrier.map(str::to_owned),
            text: Some(Personal::new(text)),
            traveller_ref,
            itinerary,
        });
    }

    fn contact(
        &mut self,
        segment: &'s Segment,
        contact: ContactText,
        traveller_ref: Option<String>,
        address: Option<Personal<Address>>,
        address_kind: Option<String>,
    ) {
        let value = (!contact.value.is_empty()).then_some(contact.value);
        let (phone, email, written) = match contact.channel {
            Channel::Phone => (value.map(Personal::new), None, None),
            Channel::Email => (None, value.map(Personal::new), None),
            Channel::Address => {
                let written = value.map(|line| Address {
                    lines: vec![line],
                    ..Address::default()
                });
                (None, None, written.map(Personal::new))
            }
        };
        self.pnr.contacts.push(Contact {
            segment: segment.number(),
            traveller_ref,
            purpose: contact.purpose,
            phone,
            email,
            address: address.or(written),
            address_kind,
            carrier: contact.carrier,
        });
    }

    /// ADD: the address, with one contact per telephone or e-mail in its last component.
    fn add(&mut self, segment: &'s Segment) {
        let (kind, address, phone) = Fields::address(segment);
        if self.group == Group::Payment {
            if let Some(address) = address {
                for payment in &mut self.pnr.payments[self.payments_from..] {
                    payment.billing_address = Some(Personal::new(address.clone()));
                }
            }
            return;
        }
        let reached = |purpose, channel, value| ContactText {
            carrier: None,
            purpose,
            channel,
            value,
        };
        let mut contacts: Vec<ContactText> = match phone {
            None => Vec::new(),
            Some(phone) => match text::ctc(phone) {
                Some(contact) => vec![contact],
                None if kind.as_deref() == Some("E") => vec![reached(
                    ContactPurpose::Unspecified,
                    Channel::Email,
                    text::email(phone),
                )],
                None => text::phones(phone)
                    .into_iter()
                    .map(|(purpose, number)| reached(purpose, Channel::Phone, number))
                    .collect(),
            },
        };
        let mut address = address.map(Personal::new);
        if contacts.is_empty() && address.is_some() {
            contacts.push(reached(
                ContactPurpose::Unspecified,
                Channel::Address,
                String::new(),
            ));
        }
        let traveller_ref = self.traveller_ref();
        for contact in contacts {
            // The address goes with the first contact of the segment.
            let address = address.take();
            self.contact(
                segment,
                contact,
                traveller_ref.clone(),
                address,
                kind.clone(),
            );
        }
    }

    fn ssr(&mut self, segment: &'s Segment) {
        let Some(ssr) = Ssr::read(segment) else {
            self.fields.warn(
                segment,
                WarningKind::MissingElement {
                    element: 1,
                    name: "special requirement type",
                },
            );
            return;
        };
        let itinerary = self.itinerary_index();
        let scope = match self.traveller.filter(|_| self.group.in_traveller()) {
            Some(index) => Target::Index(index),
            None => Target::Booking,
        };
        let targets: Vec<Target> = {
            let named: Vec<Target> = ssr
                .traveller_refs()
                .map(|r| Target::Reference(r.to_owned()))
                .collect();
            if named.is_empty() { vec![scope] } else { named }
        };
        let text = ssr.text.as_deref().unwrap_or_default();
        let reference = self.fields.reference;
        if self.group.in_history() {
            let remark = self.remark(&ssr, None, itinerary);
            self.history_change(segment)
                .items
                .push(HistoryItem::ServiceRequest(remark));
            return;
        }
        match ssr.code {
            "DOCS" | "DOCO" => {
                let (document, invalid) = if ssr.code == "DOCS" {
                    text::docs(text, segment.number(), reference)
                } else {
                    text::doco(text, segment.number())
                };
                for name in invalid {
                    self.fields.warn(
                        segment,
                        WarningKind::InvalidValue {
                            element: 1,
                            component: 9,
                            name,
                        },
                    );
                }
                self.assign(targets, Assigned::Document(document), &ssr);
            }
            "FOID" => {
                let document = text::foid(text, segment.number());
                self.assign(targets, Assigned::Document(document), &ssr);
            }
            "DOCA" => {
                let address = text::doca(text, segment.number());
                self.assign(targets, Assigned::Address(address), &ssr);
            }
            "INFT" => {
                let infant = text::inft(text, segment.number(), reference);
                self.assign(targets, Assigned::Infant(infant), &ssr);
            }
            "FQTV" => {
                // `SQ8794285757`: the programme's airline before the number.
                let token = text.split_whitespace().next().unwrap_or_default();
                let prefixed = token.len() > 2
                    && token.is_char_boundary(2)
                    && token[..2].bytes().all(|b| b.is_ascii_alphanumeric())
                    && token[..2].bytes().any(|b| b.is_ascii_uppercase())
                    && token[2..].starts_with(|c: char| c.is_ascii_digit());
                let (carrier, number) = if prefixed {
                    (Some(token[..2].to_owned()), &token[2..])
                } else {
                    (ssr.carrier.map(str::to_owned), token)
                };
                if !number.is_empty() {
                    let flyer = FrequentFlyer {
                        segment: segment.number(),
                        carrier,
                        number: Personal::new(number.to_owned()),
                        tier: None,
                    };
                    self.assign(targets, Assigned::FrequentFlyer(flyer), &ssr);
                }
            }
            "TKNE" => {
                if let Some(number) = text::tkne(text) {
                    for target in targets {
                        self.e_tickets.push(TicketFact {
                            segment: segment.number(),
                            target,
                            number: number.clone(),
                            itinerary,
                            board: ssr.board,
                            off: ssr.off,
                        });
                    }
                }
            }
            code if code.starts_with("CTC") => {
                let refs: Vec<Option<String>> = targets
                    .iter()
                    .map(|target| self.reference_of(target))
                    .collect();
                if let Some(mut contact) = text::ssr_contact(code, text) {
                    contact.carrier = ssr.carrier.map(str::to_owned);
                    for traveller_ref in refs {
                        self.contact(segment, contact.clone(), traveller_ref, None, None);
                    }
                }
            }
            "SEAT" | "NSST" | "SMST" | "RQST" | "NSSA" | "NSSW" | "NSSB" | "SMSA" | "SMSW"
            | "SMSB" => self.seat_request(&ssr, itinerary),
            _ => {
                let refs: Vec<Option<String>> = targets
                    .iter()
                    .map(|target| self.reference_of(target))
                    .collect();
                for traveller_ref in refs {
                    let remark = self.remark(&ssr, traveller_ref, itinerary);
                    self.pnr.remarks.push(remark);
                }
            }
        }
    }

    fn reference_of(&self, target: &Target) -> Option<String> {
        match target {
            Target::Index(index) => self.pnr.travellers.get(*index)?.reference.clone(),
            Target::Reference(reference) => Some(reference.clone()),
            Target::Booking => None,
        }
    }

    fn remark(
        &self,
        ssr: &Ssr<'_>,
        traveller_ref: Option<String>,
        itinerary: Option<usize>,
    ) -> Remark {
        Remark {
            segment: ssr.segment.number(),
            kind: RemarkKind::Ssr,
            code: Some(ssr.code.to_owned()),
            status: ssr.status.map(str::to_owned),
            carrier: ssr.carrier.map(str::to_owned),
            text: ssr
                .text
                .as_deref()
                .map(|text| Personal::new(text.to_owned())),
            traveller_ref,
            itinerary,
        }
    }

    fn assign(&mut self, targets: Vec<Target>, item: Assigned, ssr: &Ssr<'_>) {
        let mut targets = targets.into_iter().peekable();
        while let Some(target) = targets.next() {
            let remark = match target {
                Target::Index(_) => None,
                _ => Some(self.remark(ssr, None, self.itinerary_index())),
            };
            let item = match targets.peek() {
                Some(_) => item.clone(),
                None => {
                    self.assigned.push((target, item, remark));
                    return;
                }
            };
            self.assigned.push((target, item, remark));
        }
    }

    fn seat_request(&mut self, ssr: &Ssr<'s>, itinerary: Option<usize>) {
        let (board, off) = (ssr.board, ssr.off);
        let code = ssr.code.to_owned();
        let seat = |number: String, details: Option<&str>| Seat {
            segment: ssr.segment.number(),
            number,
            source: SeatSource::Request(code.clone()),
            details: details.map(str::to_owned),
        };
        let mut found = false;
        for detail in &ssr.details {
            let Some(number) = detail.data.and_then(text::seat) else {
                continue;
            };
            found = true;
            self.seats.push(SeatFact {
                itinerary,
                board,
                off,
                traveller_ref: detail.traveller_ref,
                seat: seat(number, detail.characteristic),
            });
        }
        if !found && let Some(text) = &ssr.text {
            for number in text::seat_run(text) {
                self.seats.push(SeatFact {
                    itinerary,
                    board,
                    off,
                    traveller_ref: None,
                    seat: seat(number, None),
                });
            }
        }
    }

    fn tvl(&mut self, segment: &'s Segment) {
        let flight = self.fields.flight(segment);
        match self.group {
            Group::NonAir => match self.pnr.non_air.last_mut() {
                Some(service) => service.products.push(flight),
                None => self.unused(segment),
            },
            group if group.in_history() => {
                let item = HistoryItem::Flight {
                    flight,
                    status: None,
                };
                self.history_change(segment).items.push(item);
            }
            _ => {
                self.close_check_in_traveller();
                let operating_only = flight.departure_date.is_none()
                    && flight.departure_airport.is_none()
                    && flight.arrival_airport.is_none()
                    && flight.marketing_carrier.is_none()
                    && flight.flight_number.is_some();
                match self.pnr.itinerary.last_mut() {
                    Some(current) if operating_only && self.group.in_itinerary() => {
                        current.operating = Some(OperatingFlight {
                            segment: segment.number(),
                            carrier: current.flight.operating_carrier.clone(),
                            flight_number: flight.flight_number,
                            booking_class: flight.booking_class,
                        });
                    }
                    _ => self.pnr.itinerary.push(ItinerarySegment {
                        flight,
                        operating: None,
                        status: None,
                        aircraft: None,
                        reservations: Vec::new(),
                        travellers: Vec::new(),
                    }),
                }
                self.group = Group::Itinerary;
            }
        }
    }

    fn itinerary_detail(&mut self, segment: &'s Segment) {
        if segment.tag() == "RPI"
            && self.group == Group::HistoryChange
            && let Some(HistoryItem::Flight { status, .. }) = self
                .pnr
                .history
                .last_mut()
                .and_then(|e| e.changes.last_mut())
                .and_then(|c| c.items.last_mut())
        {
            *status = Some(self.fields.status(segment));
            return;
        }
        if !self.group.in_itinerary() {
            self.unused(segment);
            return;
        }
        let status = (segment.tag() == "RPI").then(|| self.fields.status(segment));
        let Some(current) = self.pnr.itinerary.last_mut() else {
            self.unused(segment);
            return;
        };
        match segment.tag() {
            "TRA" => {
                let mut operating = Fields::operating(segment);
                if operating.carrier.is_none() {
                    operating.carrier = current.flight.operating_carrier.clone();
                }
                current.operating = Some(operating);
            }
            "RPI" => current.status = status,
            _ => current.aircraft = owned(segment, 1, 1),
        }
    }

    fn tri(&mut self, segment: &'s Segment) {
        let Some(itinerary) = self
            .pnr
            .itinerary
            .len()
            .checked_sub(1)
            .filter(|_| self.group.in_itinerary())
        else {
            self.unused(segment);
            return;
        };
        self.close_check_in_traveller();
        self.check_in_traveller = Some(CheckInFact {
            itinerary,
            tri_ref: segment.component(2, 4),
            name: None,
            check_in: CheckIn {
                segment: segment.number(),
                sequence: owned(segment, 2, 1),
                at: self.check_in.0,
                agent: self.check_in.1.clone(),
            },
            seat: None,
            bags: None,
        });
        self.group = Group::CheckInTraveller;
    }

    fn ssd(&mut self, segment: &'s Segment) {
        match self.check_in_traveller.as_mut() {
            Some(fact) if self.group == Group::CheckInTraveller => {
                fact.seat = segment.value(1).and_then(text::seat).map(|number| Seat {
                    segment: segment.number(),
                    number,
                    source: SeatSource::CheckIn,
                    details: owned(segment, 5, 1),
                });
            }
            _ => self.unused(segment),
        }
    }

    fn tbd(&mut self, segment: &'s Segment) {
        match self.group {
            Group::CheckInTraveller if self.check_in_traveller.is_some() => {
                let bags = self.fields.bags(segment);
                if let Some(fact) = self.check_in_traveller.as_mut() {
                    fact.bags = Some(bags);
                }
            }
            Group::HistoryChange | Group::History => {
                let bags = self.fields.bags(segment);
                self.history_change(segment)
                    .items
                    .push(HistoryItem::Baggage(bags));
            }
            _ => self.unused(segment),
        }
    }

    fn close_check_in_traveller(&mut self) {
        if let Some(fact) = self.check_in_traveller.take() {
            self.check_ins.push(fact);
        }
    }

    fn history_entry(&mut self, segment: &'s Segment) -> &mut HistoryEntry {
        if self.pnr.history.is_empty() {
            self.pnr.history.push(HistoryEntry {
                segment: segment.number(),
                credit: None,
                at: None,
                changes: Vec::new(),
            });
        }
        let last = self.pnr.history.len() - 1;
        &mut self.pnr.history[last]
    }

    fn history_change(&mut self, segment: &'s Segment) -> &mut HistoryChange {
        let entry = self.history_entry(segment);
        if entry.changes.is_empty() {
            entry.changes.push(HistoryChange {
                segment: segment.number(),
                action: HistoryAction::Unspecified,
                items: Vec::new(),
            });
        }
        let last = entry.changes.len() - 1;
        &mut entry.changes[last]
    }
}
