//! Element positions of the PNRGOV segments (IATA/ICAO PNRGOV EDIFACT Implementation Guide,
//! versions 10.1 to 13.1, with the variants carriers send). Values that do not read become
//! `None` with a [`WarningKind::InvalidValue`] naming element, component and field.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveTime};

use super::model::{
    Address, AmountKind, BagPool, BagTag, BookingStatus, CardExpiry, CheckedBags, DateEntry,
    Decimal, ExcessBaggage, Fare, Flight, FrequentFlyer, HistoryCredit, MonetaryAmount, Money,
    OperatingFlight, Organisation, Payment, PaymentForm, Pricing, ReservationReference,
    SegmentStatus, Stamp, Tax, Ticket, TicketSource, TravellerReference, WeightUnit,
};
use crate::dates::{self, Century};
use crate::diagnostic::{Warning, WarningKind};
use crate::edifact::Segment;
use crate::personal::Personal;

/// More consecutive bag tags than this on one TBD element is a misread count, not bags.
const MAX_CONSECUTIVE_TAGS: u32 = 99;

pub(super) fn owned(segment: &Segment, element: usize, component: usize) -> Option<String> {
    segment.component(element, component).map(str::to_owned)
}

pub(super) fn personal(
    segment: &Segment,
    element: usize,
    component: usize,
) -> Option<Personal<String>> {
    segment
        .component(element, component)
        .map(|v| Personal::new(v.to_owned()))
}

/// All components of an element from `from` on, joined as written (free text that a sender did
/// not escape keeps its colons); borrowed when it is one component.
pub(super) fn text_from(segment: &Segment, element: usize, from: usize) -> Option<Cow<'_, str>> {
    let mut components = segment.components(element).skip(from.checked_sub(1)?);
    let first = components.next()?;
    let text = match components.next() {
        None => Cow::Borrowed(first.trim()),
        Some(second) => {
            let mut joined = [first, second].join(":");
            for component in components {
                joined.push(':');
                joined.push_str(component);
            }
            Cow::Owned(joined.trim().to_owned())
        }
    };
    (!text.is_empty()).then_some(text)
}

/// Reads values, collecting warnings for the PNR or message being read.
pub(super) struct Fields {
    pub warnings: Vec<Warning>,
    /// Years of birth are read as not after this date (the interchange's preparation date).
    pub reference: NaiveDate,
    pub decimal_mark: char,
}

impl Fields {
    pub fn new(reference: NaiveDate, decimal_mark: char) -> Self {
        Self {
            warnings: Vec::new(),
            reference,
            decimal_mark,
        }
    }

    pub fn warn(&mut self, segment: &Segment, kind: WarningKind) {
        self.warnings.push(segment.warning(kind));
    }

    fn invalid(&mut self, segment: &Segment, element: usize, component: usize, name: &'static str) {
        self.warn(
            segment,
            WarningKind::InvalidValue {
                element,
                component,
                name,
            },
        );
    }

    fn read<T>(
        &mut self,
        segment: &Segment,
        element: usize,
        component: usize,
        name: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let value = segment.component(element, component)?;
        let parsed = parse(value);
        if parsed.is_none() {
            self.invalid(segment, element, component, name);
        }
        parsed
    }

    pub fn date(
        &mut self,
        segment: &Segment,
        element: usize,
        component: usize,
        name: &'static str,
    ) -> Option<NaiveDate> {
        self.read(segment, element, component, name, |v| {
            dates::ddmmyy(v, Century::Current)
        })
    }

    pub fn time(
        &mut self,
        segment: &Segment,
        element: usize,
        component: usize,
        name: &'static str,
    ) -> Option<NaiveTime> {
        self.read(segment, element, component, name, dates::hhmm_or_hhmmss)
    }

    pub fn number(
        &mut self,
        segment: &Segment,
        element: usize,
        component: usize,
        name: &'static str,
    ) -> Option<u32> {
        self.read(segment, element, component, name, |v| v.parse().ok())
    }

    pub fn decimal(
        &mut self,
        segment: &Segment,
        element: usize,
        component: usize,
        name: &'static str,
    ) -> Option<Decimal> {
        let mark = self.decimal_mark;
        self.read(segment, element, component, name, |v| {
            Decimal::parse(v, mark)
        })
    }

    /// A DDMMYY date and its HHMM time in two components of one element.
    pub fn stamp(
        &mut self,
        segment: &Segment,
        element: usize,
        date: usize,
        name: &'static str,
    ) -> Option<Stamp> {
        let date_value = self.date(segment, element, date, name)?;
        Some(Stamp {
            date: date_value,
            time: self.time(segment, element, date + 1, name),
        })
    }

    /// TVL: dates:times, departure, arrival, carriers, flight number and class.
    pub fn flight(&mut self, segment: &Segment) -> Flight {
        // `DDMMYY:HHMM:HHMM` (arrival date left out, arrival time third) is what several
        // carriers send for `DDMMYY:HHMM::HHMM`.
        let third = segment.component(1, 3);
        let short_form = segment.component(1, 4).is_none()
            && third.is_some_and(|v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()));
        let (arrival_date, arrival_time) = if short_form {
            (None, self.time(segment, 1, 3, "arrival time"))
        } else {
            (
                self.date(segment, 1, 3, "arrival date"),
                self.time(segment, 1, 4, "arrival time"),
            )
        };
        Flight {
            segment: segment.number(),
            departure_date: self.date(segment, 1, 1, "departure date"),
            departure_time: self.time(segment, 1, 2, "departure time"),
            arrival_date,
            arrival_time,
            departure_airport: owned(segment, 2, 1),
            departure_place: owned(segment, 2, 2),
            arrival_airport: owned(segment, 3, 1),
            arrival_place: owned(segment, 3, 2),
            marketing_carrier: owned(segment, 4, 1),
            operating_carrier: owned(segment, 4, 2),
            flight_number: owned(segment, 5, 1),
            booking_class: owned(segment, 5, 2),
        }
    }

    /// TRA: `TRA+SK+1524:W`.
    pub fn operating(segment: &Segment) -> OperatingFlight {
        OperatingFlight {
            segment: segment.number(),
            carrier: owned(segment, 1, 1),
            flight_number: owned(segment, 2, 1),
            booking_class: owned(segment, 2, 2),
        }
    }

    /// ORG: `ORG+1A:MUC+12345678:DDGS+AMS+LH:MUC+A+NL:EUR:NL+0001AASU`.
    pub fn organisation(segment: &Segment) -> Organisation {
        Organisation {
            segment: segment.number(),
            company: owned(segment, 1, 1),
            location: owned(segment, 1, 2),
            agency_number: owned(segment, 2, 1),
            office_id: owned(segment, 2, 2),
            agent_location: owned(segment, 3, 1),
            system: owned(segment, 4, 1),
            system_location: owned(segment, 4, 2),
            originator_type: owned(segment, 5, 1),
            country: owned(segment, 6, 1),
            currency: owned(segment, 6, 2),
            language: owned(segment, 6, 3),
            agent: personal(segment, 7, 1),
        }
    }

    /// RCI: one reference per element, `system:locator:type:DDMMYY:HHMM[SS]`.
    pub fn reservations(&mut self, segment: &Segment) -> Vec<ReservationReference> {
        let mut references = Vec::new();
        for element in 1..=segment.element_count() {
            let Some(locator) = segment.component(element, 2) else {
                continue;
            };
            // `UA:7C789A:230818:1220`: the date where the control type belongs.
            let third = segment.component(element, 3);
            let date_third = segment.component(element, 5).is_none()
                && third.is_some_and(|v| v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit()));
            let (control_type, date_at) = if date_third {
                (None, 3)
            } else {
                (third.map(str::to_owned), 4)
            };
            let created = self.stamp(segment, element, date_at, "reservation creation date");
            references.push(ReservationReference {
                segment: segment.number(),
                system: owned(segment, element, 1),
                locator: Personal::new(locator.to_owned()),
                control_type,
                created,
            });
        }
        references
    }

    /// DAT: one `qualifier:DDMMYY:HHMM` per element.
    pub fn dates(&mut self, segment: &Segment) -> Vec<DateEntry> {
        (1..=segment.element_count())
            .filter(|&e| segment.value(e).is_some() || segment.component(e, 2).is_some())
            .map(|element| DateEntry {
                segment: segment.number(),
                qualifier: owned(segment, element, 1),
                at: self.stamp(segment, element, 2, "date"),
            })
            .collect()
    }

    /// RPI: `RPI+2+HK`.
    pub fn status(&mut self, segment: &Segment) -> BookingStatus {
        let code = owned(segment, 2, 1);
        BookingStatus {
            segment: segment.number(),
            status: code
                .as_deref()
                .map_or(SegmentStatus::Other, SegmentStatus::from_code),
            code,
            quantity: self.number(segment, 1, 1, "number of travellers"),
        }
    }

    /// TKT: `TKT+0062120234533:T:1`.
    pub fn ticket(&mut self, segment: &Segment, traveller_ref: Option<String>) -> Ticket {
        Ticket {
            segment: segment.number(),
            source: TicketSource::Tkt,
            traveller_ref,
            number: personal(segment, 1, 1),
            document_type: owned(segment, 1, 2),
            booklets: self.number(segment, 1, 3, "number of booklets"),
            amounts: Vec::new(),
            pricing: None,
            taxes: Vec::new(),
            dates: Vec::new(),
            fare_calculation: None,
            electronic: false,
            coupons: Vec::new(),
        }
    }

    /// MON: `MON+B:2888.00:GBP+T:2957.94:GBP`.
    pub fn amounts(&mut self, segment: &Segment) -> Vec<MonetaryAmount> {
        (1..=segment.element_count())
            .filter(|&e| segment.value(e).is_some())
            .map(|element| MonetaryAmount {
                kind: match segment.value(element) {
                    Some("B") => AmountKind::Base,
                    Some("T") => AmountKind::Total,
                    other => AmountKind::Other(other.unwrap_or_default().to_owned()),
                },
                money: Money {
                    amount: self.decimal(segment, element, 2, "amount"),
                    currency: owned(segment, element, 3),
                },
            })
            .collect()
    }

    /// PTK: `PTK+NR++061210:1010+DL+006+LON`.
    pub fn pricing(&mut self, segment: &Segment) -> Pricing {
        Pricing {
            segment: segment.number(),
            indicator: owned(segment, 1, 1),
            issued: self.stamp(segment, 3, 1, "ticketing date"),
            validating_carrier: owned(segment, 4, 1),
            carrier_code: owned(segment, 5, 1),
            location: owned(segment, 6, 1),
        }
    }

    /// TXD: `TXD++3.10:::AY6+...` or `TXD++99.99::SGD:BK`: amount, currency, code per element.
    pub fn taxes(&mut self, segment: &Segment) -> Vec<Tax> {
        (2..=segment.element_count())
            .filter(|&e| segment.value(e).is_some())
            .map(|element| Tax {
                money: Money {
                    amount: self.decimal(segment, element, 1, "tax amount"),
                    currency: owned(segment, element, 3),
                },
                code: owned(segment, element, 4),
            })
            .collect()
    }

    /// FOP: one payment per element, `code:old indicator:amount:vendor:account:MMYY`.
    pub fn payments(
        &mut self,
        segment: &Segment,
        traveller_ref: Option<&str>,
        ticket: Option<usize>,
    ) -> Vec<Payment> {
        let mut payments = Vec::new();
        for element in 1..=segment.element_count() {
            let Some(code) = segment.value(element) else {
                continue;
            };
            let expiry = self.read(segment, element, 6, "card expiry", |v| {
                if v.len() != 4 {
                    return None;
                }
                let month: u32 = v.get(..2)?.parse().ok()?;
                let year: i32 = v.get(2..)?.parse().ok()?;
                (1..=12).contains(&month).then(|| CardExpiry {
                    year: 2000 + year,
                    month,
                })
            });
            payments.push(Payment {
                segment: segment.number(),
                traveller_ref: traveller_ref.map(str::to_owned),
                ticket,
                form: PaymentForm::from_code(code),
                previous: segment.component(element, 2) == Some("2"),
                amount: self.decimal(segment, element, 3, "payment amount"),
                vendor: owned(segment, element, 4),
                account_number: personal(segment, element, 5),
                expiry: expiry.map(Personal::new),
                sponsor: None,
                billing_address: None,
            });
        }
        payments
    }

    /// EBD: `EBD+GBP:40.00+4::N`.
    pub fn excess(&mut self, segment: &Segment) -> ExcessBaggage {
        ExcessBaggage {
            segment: segment.number(),
            charge: Money {
                amount: self.decimal(segment, 1, 2, "excess baggage rate"),
                currency: owned(segment, 1, 1),
            },
            quantity: self.number(segment, 2, 1, "excess baggage quantity"),
            measure: owned(segment, 2, 2),
            unit: owned(segment, 2, 3),
        }
    }

    /// TBD: `TBD++3:84:700++HP+KL:4074902824:3:MSP:074`: pieces, weight, unit; pool; tags.
    pub fn bags(&mut self, segment: &Segment) -> CheckedBags {
        let mut tags = Vec::new();
        for element in 5..=segment.element_count() {
            let Some(number) = segment.component(element, 2) else {
                continue;
            };
            let mut consecutive = self.number(segment, element, 3, "consecutive bag tags");
            if consecutive.is_some_and(|n| n > MAX_CONSECUTIVE_TAGS) {
                self.invalid(segment, element, 3, "consecutive bag tags");
                consecutive = None;
            }
            tags.push(BagTag {
                carrier: owned(segment, element, 1),
                number: Personal::new(number.to_owned()),
                consecutive,
                destination: owned(segment, element, 4),
                issuer_code: owned(segment, element, 5),
            });
        }
        let reference = owned(segment, 4, 2);
        CheckedBags {
            segment: segment.number(),
            pieces: self.number(segment, 2, 1, "number of bags"),
            weight: self.decimal(segment, 2, 2, "baggage weight"),
            unit: segment.component(2, 3).map(|unit| match unit {
                "700" => WeightUnit::Kilograms,
                "701" => WeightUnit::Pounds,
                other => WeightUnit::Other(other.to_owned()),
            }),
            pool: segment.value(4).map(|pool| match pool {
                "HP" => BagPool::HeadOfPool(reference),
                "MP" => BagPool::MemberOfPool(reference),
                other => BagPool::Other(other.to_owned()),
            }),
            tags,
        }
    }

    /// FAR: `FAR+A+32++++SFLY+SFLY`: passenger type, age, fare basis, ticket designator.
    pub fn fare(&mut self, segment: &Segment) -> Fare {
        Fare {
            segment: segment.number(),
            passenger_type: owned(segment, 1, 1),
            age: self.number(segment, 2, 1, "age"),
            fare_basis: owned(segment, 6, 1),
            ticket_designator: owned(segment, 7, 1),
        }
    }

    /// FTI: `FTI+DL:1234567890:::ELITE`, tier in the fifth (or seventh) component.
    pub fn frequent_flyers(segment: &Segment) -> Vec<FrequentFlyer> {
        (1..=segment.element_count())
            .filter_map(|element| {
                Some(FrequentFlyer {
                    segment: segment.number(),
                    carrier: owned(segment, element, 1),
                    number: Personal::new(segment.component(element, 2)?.to_owned()),
                    tier: owned(segment, element, 5).or_else(|| owned(segment, element, 7)),
                })
            })
            .collect()
    }

    /// REF: `REF+:38739393AN8739P`.
    pub fn references(segment: &Segment) -> Vec<TravellerReference> {
        (1..=segment.element_count())
            .filter_map(|element| {
                Some(TravellerReference {
                    segment: segment.number(),
                    qualifier: owned(segment, element, 1),
                    value: Personal::new(segment.component(element, 2)?.to_owned()),
                })
            })
            .collect()
    }

    /// ADD: `ADD++702:street:city:region::country:postcode:telephone`. Returns the address
    /// purpose code, the address (if any part is given) and the telephone text.
    pub fn address(segment: &Segment) -> (Option<String>, Option<Address>, Option<&str>) {
        let mut postal_code = owned(segment, 2, 7);
        let mut phone = segment.component(2, 8);
        // A postcode in the telephone position (`...:GB::SL1AA`) when the postcode is empty.
        if postal_code.is_none()
            && let Some(value) = phone
            && value.bytes().filter(u8::is_ascii_digit).count() < 5
        {
            postal_code = Some(value.to_owned());
            phone = None;
        }
        let address = Address {
            lines: owned(segment, 2, 2).into_iter().collect(),
            city: owned(segment, 2, 3),
            region: owned(segment, 2, 4),
            postal_code,
            country: owned(segment, 2, 6),
        };
        let address = (address != Address::default()).then_some(address);
        (owned(segment, 2, 1), address, phone)
    }

    /// ABI: `ABI+4+05FD28:GS+ATL++DL`.
    pub fn history_credit(segment: &Segment) -> HistoryCredit {
        HistoryCredit {
            segment: segment.number(),
            source: owned(segment, 1, 1),
            agent: personal(segment, 2, 1),
            office: owned(segment, 2, 2),
            location: owned(segment, 3, 1),
            company: owned(segment, 5, 1),
        }
    }
}

/// One detail element of an SSR (element 2 on): seat or data, traveller reference,
/// characteristic.
pub(super) struct SsrDetail<'s> {
    pub data: Option<&'s str>,
    pub traveller_ref: Option<&'s str>,
    pub characteristic: Option<&'s str>,
}

/// An SSR: `SSR+code:status:quantity:carrier:::board:off:free text+details...`.
pub(super) struct Ssr<'s> {
    pub segment: &'s Segment,
    pub code: &'s str,
    pub status: Option<&'s str>,
    pub carrier: Option<&'s str>,
    pub board: Option<&'s str>,
    pub off: Option<&'s str>,
    pub text: Option<Cow<'s, str>>,
    pub details: Vec<SsrDetail<'s>>,
}

impl<'s> Ssr<'s> {
    pub fn read(segment: &'s Segment) -> Option<Self> {
        Some(Self {
            segment,
            code: segment.value(1)?,
            status: segment.component(1, 2),
            carrier: segment.component(1, 4),
            board: segment.component(1, 7),
            off: segment.component(1, 8),
            text: text_from(segment, 1, 9),
            details: (2..=segment.element_count())
                .map(|element| SsrDetail {
                    data: segment.component(element, 1),
                    traveller_ref: segment.component(element, 3),
                    characteristic: segment.component(element, 4),
                })
                .filter(|d| d.data.is_some() || d.traveller_ref.is_some())
                .collect(),
        })
    }

    /// Traveller references named in the details.
    pub fn traveller_refs(&self) -> impl Iterator<Item = &'s str> + '_ {
        self.details.iter().filter_map(|d| d.traveller_ref)
    }
}

/// IFT: `IFT+4:28::DL+text+text`.
pub(super) struct Ift<'s> {
    pub kind: Option<&'s str>,
    pub carrier: Option<&'s str>,
    pub lines: Vec<Cow<'s, str>>,
}

impl<'s> Ift<'s> {
    pub fn read(segment: &'s Segment) -> Self {
        Self {
            kind: segment.component(1, 2),
            carrier: segment.component(1, 4),
            lines: (2..=segment.element_count())
                .filter_map(|element| text_from(segment, element, 1))
                .collect(),
        }
    }

    pub fn text(&self) -> Option<String> {
        match self.lines.as_slice() {
            [] => None,
            [one] => Some(one.clone().into_owned()),
            many => Some(many.join(" ")),
        }
    }
}

/// One name of a TIF: `TIF+SURNAME:qualifier+GIVEN:type:reference:infant indicator`.
pub(super) struct TifName<'s> {
    pub surname: Option<&'s str>,
    /// `G`: the surname is a group name.
    pub qualifier: Option<&'s str>,
    pub given: Option<&'s str>,
    pub kind: Option<&'s str>,
    pub reference: Option<&'s str>,
    /// Fourth component: set on an adult travelling with an infant.
    pub infant_indicator: Option<&'s str>,
}

/// The names of a TIF: one per detail element (at least one).
pub(super) fn tif_names(segment: &Segment) -> impl Iterator<Item = TifName<'_>> {
    let detail = |element| TifName {
        surname: segment.value(1),
        qualifier: segment.component(1, 2),
        given: segment.component(element, 1),
        kind: segment.component(element, 2),
        reference: segment.component(element, 3),
        infant_indicator: segment.component(element, 4),
    };
    let details = segment.element_count().max(2);
    (2..=details).map(detail)
}
