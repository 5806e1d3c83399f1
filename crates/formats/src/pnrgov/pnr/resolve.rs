//! Cross-references resolved once the whole SRC group is read: items named by traveller
//! reference, infants and the adults carrying them, fare calculations and electronic tickets
//! joined to tickets, and the traveller-by-segment table (seats, check-ins, bags, status).

use super::{Assigned, Reader, Target};
use crate::diagnostic::{Warning, WarningKind};
use crate::personal::Personal;
use crate::pnrgov::model::{
    Coupon, DocumentSource, PassengerKind, Pnr, PnrTraveller, SeatRequest, SegmentStatus, Ticket,
    TicketSource, TravelDocument, TravelStatus, TravellerSegment,
};
use crate::pnrgov::text;

impl Reader<'_, '_> {
    pub(super) fn finish(mut self) -> Pnr {
        self.close_check_in_traveller();
        self.assign_to_travellers();
        self.link_infants();
        for (index, text) in std::mem::take(&mut self.fare_calculations) {
            let reference = self.pnr.travellers[index].reference.clone();
            for ticket in &mut self.pnr.tickets {
                if ticket.traveller_ref == reference && ticket.fare_calculation.is_none() {
                    ticket.fare_calculation = Some(text.clone());
                }
            }
        }
        self.electronic_tickets();
        self.traveller_segments();
        self.pnr.warnings = std::mem::take(&mut self.fields.warnings);
        self.pnr
    }

    fn find_traveller(&self, reference: &str) -> Option<usize> {
        self.pnr
            .travellers
            .iter()
            .position(|t| t.reference.as_deref() == Some(reference))
    }

    fn resolve(&mut self, target: &Target, segment: usize) -> Option<usize> {
        match target {
            Target::Index(index) => Some(*index),
            Target::Reference(reference) => {
                let found = self.find_traveller(reference);
                if found.is_none() {
                    self.unknown_traveller(segment, "SSR");
                }
                found.or_else(|| (self.pnr.travellers.len() == 1).then_some(0))
            }
            Target::Booking => (self.pnr.travellers.len() == 1).then_some(0),
        }
    }

    /// The only traveller declaring an infant (TIF infant indicator), for an INFT naming no one.
    fn only_with_infant(&self) -> Option<usize> {
        let mut carrying = self
            .pnr
            .travellers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.with_infant);
        match (carrying.next(), carrying.next()) {
            (Some((index, _)), None) => Some(index),
            _ => None,
        }
    }

    fn unknown_traveller(&mut self, segment: usize, tag: &str) {
        self.fields.warnings.push(Warning::new(
            segment,
            tag,
            WarningKind::UnknownTraveller { element: 2 },
        ));
    }

    fn assign_to_travellers(&mut self) {
        for (target, item, remark) in std::mem::take(&mut self.assigned) {
            let segment = remark.as_ref().map_or(0, |r| r.segment);
            let index = match (&target, &item) {
                (Target::Booking, Assigned::Infant(_)) => self.only_with_infant(),
                _ => self.resolve(&target, segment),
            };
            let Some(index) = index else {
                // No traveller to hold it: the request stays with the booking.
                self.pnr.remarks.extend(remark);
                continue;
            };
            let traveller = &mut self.pnr.travellers[index];
            match item {
                Assigned::Document(document) => {
                    let duplicate = traveller
                        .documents
                        .iter()
                        .any(|d| same_document(d, &document));
                    if !duplicate {
                        traveller.documents.push(document);
                    }
                }
                Assigned::Address(address) => {
                    let duplicate = traveller
                        .addresses
                        .iter()
                        .any(|a| a.kind == address.kind && a.address == address.address);
                    if !duplicate {
                        traveller.addresses.push(address);
                    }
                }
                Assigned::FrequentFlyer(flyer) => {
                    let duplicate = traveller
                        .frequent_flyers
                        .iter()
                        .any(|f| f.number == flyer.number && f.carrier == flyer.carrier);
                    if !duplicate {
                        traveller.frequent_flyers.push(flyer);
                    }
                }
                Assigned::Infant(infant) => {
                    if traveller.infant.is_none() {
                        traveller.infant = Some(infant);
                    }
                }
            }
        }
    }

    /// Links each infant to the adult carrying it: by the TIF's own pointer, by a reference
    /// that is the adult's with an `I` appended, by the adult's INFT naming it, else the nearest
    /// adult before it that declares an infant (or, failing that, any adult before it).
    fn link_infants(&mut self) {
        let travellers = &self.pnr.travellers;
        let mut links: Vec<(usize, usize)> = Vec::new();
        for (infant, traveller) in travellers.iter().enumerate() {
            if traveller.kind != PassengerKind::Infant {
                continue;
            }
            let adult_at = |i: usize| travellers[i].kind != PassengerKind::Infant;
            let taken = |i: usize| links.iter().any(|&(_, adult)| adult == i);
            let by_hint = self
                .infant_hints
                .iter()
                .find(|(index, _)| *index == infant)
                .and_then(|(_, hint)| {
                    travellers
                        .iter()
                        .position(|t| t.reference.as_deref() == Some(hint.as_str()))
                });
            let by_reference = traveller
                .reference
                .as_deref()
                .and_then(|r| r.strip_suffix('I'))
                .and_then(|adult| {
                    travellers
                        .iter()
                        .position(|t| t.reference.as_deref() == Some(adult))
                });
            let by_name = travellers.iter().position(|t| {
                t.infant.as_ref().is_some_and(|i| {
                    i.surname.as_ref() == Some(&traveller.surname)
                        && first_word(i.given_name.as_ref())
                            == first_word(traveller.given_name.as_ref())
                })
            });
            let declared = (0..infant)
                .rev()
                .find(|&i| adult_at(i) && travellers[i].with_infant && !taken(i));
            let before = (0..infant).rev().find(|&i| adult_at(i));
            let adult = [by_hint, by_reference, by_name, declared, before]
                .into_iter()
                .flatten()
                .find(|&i| i != infant && adult_at(i));
            if let Some(adult) = adult {
                links.push((infant, adult));
            }
        }
        for (infant, adult) in links {
            let adult_ref = self.pnr.travellers[adult].reference.clone();
            let born = self.pnr.travellers[adult]
                .infant
                .as_ref()
                .and_then(|i| i.date_of_birth.clone());
            // The infant's DOCS travels in the adult's group (sex MI/FI): it is the infant's.
            let (theirs, own): (Vec<_>, Vec<_>) =
                std::mem::take(&mut self.pnr.travellers[adult].documents)
                    .into_iter()
                    .partition(|d| d.infant && d.source == DocumentSource::Docs);
            self.pnr.travellers[adult].documents = own;
            let child = &mut self.pnr.travellers[infant];
            child.accompanied_by = adult_ref;
            for document in theirs {
                if !child.documents.iter().any(|d| same_document(d, &document)) {
                    child.documents.push(document);
                }
            }
            if child.date_of_birth.is_none() {
                child.date_of_birth = child
                    .documents
                    .iter()
                    .find_map(|d| d.date_of_birth.clone())
                    .or(born);
            }
        }
        for traveller in &mut self.pnr.travellers {
            if traveller.date_of_birth.is_none() {
                traveller.date_of_birth = traveller
                    .documents
                    .iter()
                    .filter(|d| !d.infant)
                    .find_map(|d| d.date_of_birth.clone());
            }
        }
    }

    fn itinerary_by_airports(&self, board: Option<&str>, off: Option<&str>) -> Option<usize> {
        let (board, off) = (board?, off?);
        self.pnr.itinerary.iter().position(|s| {
            s.flight.departure_airport.as_deref() == Some(board)
                && s.flight.arrival_airport.as_deref() == Some(off)
        })
    }

    fn electronic_tickets(&mut self) {
        for fact in std::mem::take(&mut self.e_tickets) {
            let mut traveller_ref = self.reference_of(&fact.target);
            // `INF` tickets are the infant's, named in the adult's SSR.
            if fact.number.infant {
                let infants: Vec<&PnrTraveller> = self
                    .pnr
                    .travellers
                    .iter()
                    .filter(|t| t.kind == PassengerKind::Infant)
                    .collect();
                let carried = infants.iter().find(|t| {
                    traveller_ref.is_some()
                        && (t.accompanied_by == traveller_ref || t.reference == traveller_ref)
                });
                let only = (infants.len() == 1).then(|| infants[0]);
                if let Some(infant) = carried.copied().or(only) {
                    traveller_ref = infant.reference.clone();
                }
            }
            let itinerary = fact
                .itinerary
                .or_else(|| self.itinerary_by_airports(fact.board, fact.off));
            let coupon = Coupon {
                segment: fact.segment,
                number: fact.number.coupon,
                itinerary,
                infant: fact.number.infant,
            };
            let existing = self.pnr.tickets.iter_mut().find(|t| {
                t.number
                    .as_ref()
                    .is_some_and(|n| text::same_ticket(n.expose(), &fact.number.number))
                    && (traveller_ref.is_none() || t.traveller_ref == traveller_ref)
                    && t.coupons.iter().all(|c| c.infant == fact.number.infant)
            });
            match existing {
                Some(ticket) => {
                    ticket.electronic = true;
                    if !ticket
                        .coupons
                        .iter()
                        .any(|c| c.number == coupon.number && c.itinerary == coupon.itinerary)
                    {
                        ticket.coupons.push(coupon);
                    }
                }
                None => self.pnr.tickets.push(Ticket {
                    segment: fact.segment,
                    source: TicketSource::Tkne,
                    traveller_ref,
                    number: Some(Personal::new(fact.number.number)),
                    document_type: None,
                    booklets: None,
                    amounts: Vec::new(),
                    pricing: None,
                    taxes: Vec::new(),
                    dates: Vec::new(),
                    fare_calculation: None,
                    electronic: true,
                    coupons: vec![coupon],
                }),
            }
        }
    }

    /// One entry per traveller and itinerary segment, with the requested seat, the check-in
    /// (TRI resolved by its reference, else by the TIF that follows it) and the bags.
    fn traveller_segments(&mut self) {
        let mut entries: Vec<Vec<TravellerSegment>> = self
            .pnr
            .itinerary
            .iter()
            .map(|_| {
                self.pnr
                    .travellers
                    .iter()
                    .map(|t| TravellerSegment {
                        traveller_ref: t.reference.clone(),
                        status: TravelStatus::Unknown,
                        seat: None,
                        check_in: None,
                        bags: None,
                    })
                    .collect()
            })
            .collect();
        fn entry<'e>(
            list: &'e mut Vec<TravellerSegment>,
            reference: Option<&str>,
        ) -> &'e mut TravellerSegment {
            let found = list
                .iter()
                .position(|t| reference.is_some() && t.traveller_ref.as_deref() == reference);
            let index = found.unwrap_or_else(|| {
                list.push(TravellerSegment {
                    traveller_ref: reference.map(str::to_owned),
                    status: TravelStatus::Unknown,
                    seat: None,
                    check_in: None,
                    bags: None,
                });
                list.len() - 1
            });
            &mut list[index]
        }

        for fact in std::mem::take(&mut self.seats) {
            // The SSR's own board and off points name the segment; the group it sits in only
            // when it names none.
            let itinerary = match (fact.board, fact.off) {
                (Some(board), Some(off)) => self.itinerary_by_airports(Some(board), Some(off)),
                _ => fact.itinerary,
            };
            let list = itinerary.and_then(|i| entries.get_mut(i));
            let placed = match (list, fact.traveller_ref) {
                (Some(list), Some(reference)) => {
                    if !list
                        .iter()
                        .any(|t| t.traveller_ref.as_deref() == Some(reference))
                    {
                        self.fields.warnings.push(Warning::new(
                            fact.seat.segment,
                            "SSR",
                            WarningKind::UnknownTraveller { element: 2 },
                        ));
                    }
                    let target = entry(list, Some(reference));
                    match &target.seat {
                        None => {
                            target.seat = Some(fact.seat.clone());
                            true
                        }
                        Some(seat) => seat.number == fact.seat.number,
                    }
                }
                // Seats in free text, in the order of the travellers without one.
                (Some(list), None) => match list.iter_mut().find(|t| t.seat.is_none()) {
                    Some(target) => {
                        target.seat = Some(fact.seat.clone());
                        true
                    }
                    None => false,
                },
                (None, _) => false,
            };
            if !placed {
                self.pnr.seat_requests.push(SeatRequest {
                    traveller_ref: fact.traveller_ref.map(str::to_owned),
                    board: fact.board.map(str::to_owned),
                    off: fact.off.map(str::to_owned),
                    seat: fact.seat,
                });
            }
        }

        for fact in std::mem::take(&mut self.check_ins) {
            let known = |reference: &&str| self.find_traveller(reference).is_some();
            let by_tri = fact.tri_ref.filter(known);
            // The TIF that follows names the traveller twice (reference and surname): it wins
            // over a TRI reference that points elsewhere.
            let by_tif = fact.name.and_then(|(reference, surname, _)| {
                let index = self.find_traveller(reference?)?;
                (self.pnr.travellers[index].surname.expose() == surname)
                    .then_some(reference)
                    .flatten()
            });
            let by_name = fact.name.and_then(|(_, surname, given)| {
                self.pnr
                    .travellers
                    .iter()
                    .find(|t| {
                        t.surname.expose() == surname
                            && t.given_name.as_ref().map(|g| g.expose().as_str()) == given
                    })
                    .and_then(|t| t.reference.as_deref())
            });
            // A TIF reference alone (the surname misspelt) is still better than nothing.
            let by_tif_reference = fact
                .name
                .and_then(|(reference, _, _)| reference)
                .filter(known);
            let found = by_tif
                .or(by_name)
                .or(by_tri)
                .or(by_tif_reference)
                .map(str::to_owned);
            if found.is_none() {
                self.unknown_traveller(fact.check_in.segment, "TRI");
            }
            let reference = found.or(fact.tri_ref.map(str::to_owned));
            let Some(list) = entries.get_mut(fact.itinerary) else {
                continue;
            };
            let target = entry(list, reference.as_deref());
            if fact.seat.is_some() {
                target.seat = fact.seat;
            }
            target.bags = fact.bags.or(target.bags.take());
            target.check_in = Some(fact.check_in);
        }

        for (segment, list) in self.pnr.itinerary.iter_mut().zip(entries) {
            let status = segment.status.as_ref().map(|s| s.status);
            segment.travellers = list
                .into_iter()
                .map(|mut t| {
                    t.status = travel_status(status, t.check_in.is_some());
                    t
                })
                .collect();
        }
    }
}

fn travel_status(status: Option<SegmentStatus>, checked_in: bool) -> TravelStatus {
    match status {
        Some(SegmentStatus::NoShow) => TravelStatus::NoShow,
        Some(SegmentStatus::Cancelled) => TravelStatus::Cancelled,
        Some(SegmentStatus::Standby) => TravelStatus::Standby,
        Some(SegmentStatus::Waitlisted) => TravelStatus::Waitlisted,
        Some(SegmentStatus::Requested) => TravelStatus::Requested,
        Some(SegmentStatus::CheckedIn) => TravelStatus::CheckedIn,
        _ if checked_in => TravelStatus::CheckedIn,
        Some(SegmentStatus::Confirmed) => TravelStatus::Booked,
        _ => TravelStatus::Unknown,
    }
}

fn first_word(name: Option<&Personal<String>>) -> Option<&str> {
    name?.expose().split_whitespace().next()
}

/// Same document read twice (Gr.2 and Gr.5 carry the same DOCS): equal but for the segment.
fn same_document(a: &TravelDocument, b: &TravelDocument) -> bool {
    a.source == b.source
        && a.kind == b.kind
        && a.number == b.number
        && a.issuing_country == b.issuing_country
        && a.nationality == b.nationality
        && a.date_of_birth == b.date_of_birth
        && a.sex == b.sex
        && a.expiry == b.expiry
        && a.surname == b.surname
        && a.given_names == b.given_names
        && a.place_of_birth == b.place_of_birth
        && a.issue_date == b.issue_date
        && a.applicable_country == b.applicable_country
}
