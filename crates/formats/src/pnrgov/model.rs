//! What a PNRGOV message says about one booking, in the terms of Directive (EU) 2016/681
//! Annex I and of `gatehouse.v1.Pnr`. Every value read from the message is kept as sent
//! (codes, airports, flight numbers); person-related values are [`Personal`].
//!
//! Elements that sit in several places of a booking (contacts, payments, tickets, remarks) are
//! kept in one list on the [`Pnr`] and say which traveller (`traveller_ref`, the TIF reference
//! number) and which itinerary segment (`itinerary`, an index into [`Pnr::itinerary`]) they
//! concern, as the proto does.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::diagnostic::Warning;
use crate::personal::Personal;

/// A date with the time of day when one was sent (PNRGOV dates are DDMMYY, times HHMM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl Stamp {
    /// Midnight when no time was sent.
    pub fn date_time(&self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }
}

/// A decimal amount as sent (`2957.94`), in whole units and nanos like `gatehouse.v1.Money`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal {
    pub units: i64,
    /// Same sign as `units`.
    pub nanos: i32,
}

impl Decimal {
    pub fn new(units: i64, nanos: i32) -> Self {
        Self { units, nanos }
    }

    /// `123`, `-4.5`, `0.570`; at most nine decimals. `mark` is the decimal mark of the UNA advice.
    pub(crate) fn parse(value: &str, mark: char) -> Option<Self> {
        let (negative, digits) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let (whole, fraction) = match digits.split_once([mark, '.']) {
            Some((whole, fraction)) => (whole, fraction),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty())
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > 9
        {
            return None;
        }
        let units: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        // Nine digits of fraction, the missing ones zero: `57` is 570 000 000 nanos.
        let nanos = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(9)
            .fold(0i32, |nanos, digit| nanos * 10 + i32::from(digit - b'0'));
        Some(if negative {
            Self::new(-units, -nanos)
        } else {
            Self::new(units, nanos)
        })
    }

    pub fn to_f64(self) -> f64 {
        self.units as f64 + f64::from(self.nanos) / 1e9
    }
}

/// An amount and its ISO 4217 currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Money {
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
}

/// MSG message function (1225) of the message header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushKind {
    /// 22: the scheduled push of the flight's PNRs.
    Push,
    /// 141: sent on request of the Passenger Information Unit.
    AdHoc,
    Other(String),
}

/// A TVL: a flight (or, in a non-air group, a hotel or car) as sent.
///
/// Dates and times are local to the airport. The arrival date is often left out when it is the
/// departure date; [`Flight::arrival`] then takes the departure date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flight {
    pub segment: usize,
    pub departure_date: Option<NaiveDate>,
    pub departure_time: Option<NaiveTime>,
    pub arrival_date: Option<NaiveDate>,
    pub arrival_time: Option<NaiveTime>,
    pub departure_airport: Option<String>,
    /// Place name after the code, as non-air segments send it (a hotel name).
    pub departure_place: Option<String>,
    pub arrival_airport: Option<String>,
    pub arrival_place: Option<String>,
    /// The carrier selling the flight (first component of TVL element 4).
    pub marketing_carrier: Option<String>,
    /// Second component of TVL element 4: set when another carrier operates the flight.
    pub operating_carrier: Option<String>,
    pub flight_number: Option<String>,
    /// Reservation booking designator, e.g. `Y`.
    pub booking_class: Option<String>,
}

impl Flight {
    pub fn departure(&self) -> Option<NaiveDateTime> {
        Some(self.departure_date?.and_time(self.departure_time?))
    }

    pub fn arrival(&self) -> Option<NaiveDateTime> {
        let date = self.arrival_date.or(self.departure_date)?;
        Some(date.and_time(self.arrival_time?))
    }

    /// Marketing carrier and flight number, e.g. `DL324`.
    pub fn designator(&self) -> Option<String> {
        Some(format!(
            "{}{}",
            self.marketing_carrier.as_deref()?,
            self.flight_number.as_deref()?
        ))
    }
}

/// The operating side of a codeshare: a TRA, or a TVL carrying only flight number and class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatingFlight {
    pub segment: usize,
    /// From TRA, else the operating carrier of the marketing TVL.
    pub carrier: Option<String>,
    pub flight_number: Option<String>,
    pub booking_class: Option<String>,
}

/// An ORG: who made or handled the booking (travel agency, airline office, check-in agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organisation {
    pub segment: usize,
    /// Airline or reservation system, e.g. `DL`, `1A`.
    pub company: Option<String>,
    pub location: Option<String>,
    /// IATA or ARC number of the travel agency.
    pub agency_number: Option<String>,
    /// Office or pseudo-city code in the reservation system.
    pub office_id: Option<String>,
    /// City of the agent (ORG element 3).
    pub agent_location: Option<String>,
    /// System and location that hold the booking (ORG element 4).
    pub system: Option<String>,
    pub system_location: Option<String>,
    /// Originator type: `A` airline, `T` travel agent, `E` ...
    pub originator_type: Option<String>,
    pub country: Option<String>,
    pub currency: Option<String>,
    pub language: Option<String>,
    /// Agent sign or identifier (ORG element 7).
    pub agent: Option<Personal<String>>,
}

/// One RCI element: a record locator in some system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationReference {
    pub segment: usize,
    /// Airline or reservation system, e.g. `DL`, `1A`.
    pub system: Option<String>,
    pub locator: Personal<String>,
    /// Reservation control type, e.g. `C` when the reference is the DCS one.
    pub control_type: Option<String>,
    /// When the booking was created in that system.
    pub created: Option<Stamp>,
}

/// A DAT element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateEntry {
    pub segment: usize,
    /// e.g. `700` last PNR transaction, `710` ticket issue, `2` check-in, `T` history.
    pub qualifier: Option<String>,
    pub at: Option<Stamp>,
}

/// Passenger type of a TIF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassengerKind {
    /// `A`, `ADT`.
    Adult,
    /// `C`, `CH`, `CHD`.
    Child,
    /// `IN`, `INF`: an infant without own seat.
    Infant,
    Unspecified,
    Other(String),
}

/// Sex as an AIRIMP DOCS gives it; `MI`/`FI` mark the document of an infant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    /// `U`.
    Unknown,
    /// `X`.
    Unspecified,
}

/// Where a travel document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentSource {
    /// SSR DOCS: the API data of the passport or identity card.
    Docs,
    /// SSR DOCO: a visa or other document (redress number, known traveller).
    Doco,
    /// SSR FOID: the identification used for an electronic ticket.
    Foid,
}

/// API data in the PNR (SSR DOCS, DOCO, FOID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelDocument {
    pub segment: usize,
    pub source: DocumentSource,
    /// Document type code as sent: `P` passport, `I` identity card, `V` visa, `K` redress ...
    pub kind: Option<String>,
    pub number: Option<Personal<String>>,
    pub issuing_country: Option<String>,
    pub nationality: Option<String>,
    pub date_of_birth: Option<Personal<NaiveDate>>,
    pub sex: Option<Sex>,
    pub expiry: Option<NaiveDate>,
    pub surname: Option<Personal<String>>,
    pub given_names: Option<Personal<String>>,
    /// DOCO: place of birth.
    pub place_of_birth: Option<Personal<String>>,
    /// DOCO: place where the document was issued.
    pub place_of_issue: Option<String>,
    pub issue_date: Option<NaiveDate>,
    /// DOCO: country the visa is valid for.
    pub applicable_country: Option<String>,
    /// DOCS sex `MI`/`FI` or DOCO infant indicator: the document of the infant the traveller
    /// carries.
    pub infant: bool,
}

/// Kind of an SSR DOCA address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressKind {
    /// `R`.
    Residence,
    /// `D`.
    Destination,
    Other(String),
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub lines: Vec<String>,
    pub city: Option<String>,
    /// State, province or county.
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// SSR DOCA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAddress {
    pub segment: usize,
    pub kind: AddressKind,
    pub address: Personal<Address>,
    pub infant: bool,
}

/// FTI or SSR FQTV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrequentFlyer {
    pub segment: usize,
    /// Airline running the programme.
    pub carrier: Option<String>,
    pub number: Personal<String>,
    /// Tier or status as sent, e.g. `ELITE`.
    pub tier: Option<String>,
}

/// FAR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fare {
    pub segment: usize,
    pub passenger_type: Option<String>,
    pub age: Option<u32>,
    pub fare_basis: Option<String>,
    pub ticket_designator: Option<String>,
}

/// REF: a reference of the traveller (e.g. the unique passenger reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerReference {
    pub segment: usize,
    pub qualifier: Option<String>,
    pub value: Personal<String>,
}

/// SSR INFT: the infant an adult carries, as named in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfantDetails {
    pub segment: usize,
    pub surname: Option<Personal<String>>,
    pub given_name: Option<Personal<String>>,
    pub date_of_birth: Option<Personal<NaiveDate>>,
}

/// A TIF of Gr.2 with what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PnrTraveller {
    pub segment: usize,
    /// Traveller reference number: how other elements of the PNR point at this traveller.
    pub reference: Option<String>,
    pub surname: Personal<String>,
    /// Given names without the title.
    pub given_name: Option<Personal<String>>,
    /// Title as booked (`MR`, `MRS`, `MISS` ...), split off the given name.
    pub title: Option<String>,
    pub kind: PassengerKind,
    /// TIF infant indicator: an infant travels on this traveller's lap.
    pub with_infant: bool,
    /// For an infant: the reference of the adult carrying it.
    pub accompanied_by: Option<String>,
    /// The infant this traveller carries, as its SSR INFT names it.
    pub infant: Option<InfantDetails>,
    /// From the first SSR DOCS that gives one; for an infant without one, from the INFT of the
    /// adult carrying it.
    pub date_of_birth: Option<Personal<NaiveDate>>,
    pub frequent_flyers: Vec<FrequentFlyer>,
    pub references: Vec<TravellerReference>,
    pub fares: Vec<Fare>,
    pub documents: Vec<TravelDocument>,
    pub addresses: Vec<DocumentAddress>,
    pub excess_baggage: Vec<ExcessBaggage>,
}

impl PnrTraveller {
    /// The first SSR DOCS.
    pub fn passport(&self) -> Option<&TravelDocument> {
        self.documents
            .iter()
            .find(|d| d.source == DocumentSource::Docs)
    }

    pub fn sex(&self) -> Option<Sex> {
        self.documents.iter().find_map(|d| d.sex)
    }

    pub fn nationality(&self) -> Option<&str> {
        self.documents.iter().find_map(|d| d.nationality.as_deref())
    }
}

/// EBD: baggage paid for beyond the allowance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcessBaggage {
    pub segment: usize,
    /// Rate per unit.
    pub charge: Money,
    pub quantity: Option<u32>,
    /// Piece or weight qualifier as sent.
    pub measure: Option<String>,
    /// Unit as sent (e.g. `N` pieces, `K` kilograms).
    pub unit: Option<String>,
}

/// IATA segment status code of an RPI, grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentStatus {
    /// HK, KK, KL, RR, TK, SS, GK, HS, DK, YK, YG.
    Confirmed,
    /// HN, NN, PN, HA, HQ, DS.
    Requested,
    /// HL, LL, GL, BL, DL, HW, TL, PA to PD, PW.
    Waitlisted,
    /// SA (space available), SB (boarded standby).
    Standby,
    /// CK: checked in in advance.
    CheckedIn,
    /// NS.
    NoShow,
    /// HX, XX, XK, XL, XR, UN, UC, UU, US, NO, WK: space not held.
    Cancelled,
    Other,
}

impl SegmentStatus {
    pub fn from_code(code: &str) -> Self {
        match code {
            "HK" | "KK" | "KL" | "RR" | "TK" | "SS" | "GK" | "HS" | "DK" | "YK" | "YG" => {
                Self::Confirmed
            }
            "HN" | "NN" | "PN" | "HA" | "HQ" | "DS" => Self::Requested,
            "HL" | "LL" | "GL" | "BL" | "DL" | "HW" | "TL" | "PA" | "PB" | "PC" | "PD" | "PW" => {
                Self::Waitlisted
            }
            "SA" | "SB" => Self::Standby,
            "CK" => Self::CheckedIn,
            "NS" => Self::NoShow,
            "HX" | "XX" | "XK" | "XL" | "XR" | "UN" | "UC" | "UU" | "US" | "NO" | "WK" => {
                Self::Cancelled
            }
            _ => Self::Other,
        }
    }
}

/// RPI: status and number of travellers of an itinerary segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingStatus {
    pub segment: usize,
    pub code: Option<String>,
    pub status: SegmentStatus,
    /// Travellers the status is for (the party size).
    pub quantity: Option<u32>,
}

/// Travel status of one traveller on one itinerary segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TravelStatus {
    Booked,
    Requested,
    Waitlisted,
    Standby,
    /// A TRI (check-in sequence) names the traveller, or the RPI says CK.
    CheckedIn,
    NoShow,
    Cancelled,
    Unknown,
}

/// Where a seat number comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatSource {
    /// An SSR (SEAT, NSST, RQST ...) with its code.
    Request(String),
    /// SSD: the seat given at check-in.
    CheckIn,
}

/// A seat of one traveller on one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub segment: usize,
    /// Row without leading zeros and column, e.g. `74E`; other forms as sent.
    pub number: String,
    pub source: SeatSource,
    /// Seat characteristics as sent (e.g. `N` non-smoking), or the SSD cabin.
    pub details: Option<String>,
}

/// A seat request that could not be put on an itinerary segment: its board and off points match
/// none, or the traveller already has another seat there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatRequest {
    pub traveller_ref: Option<String>,
    pub board: Option<String>,
    pub off: Option<String>,
    pub seat: Seat,
}

/// Gr.6/7: a check-in (DAT, ORG, TRI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    /// The TRI.
    pub segment: usize,
    /// Check-in (boarding) sequence number as sent, e.g. `108` or `ICN-188`.
    pub sequence: Option<String>,
    pub at: Option<Stamp>,
    pub agent: Option<Organisation>,
}

/// Weight unit of a TBD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightUnit {
    /// 700.
    Kilograms,
    /// 701.
    Pounds,
    Other(String),
}

/// Pool role of a TBD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BagPool {
    /// `HP`: the bags of the pool are checked on this traveller.
    HeadOfPool(Option<String>),
    /// `MP` with the head of pool's reference as sent.
    MemberOfPool(Option<String>),
    Other(String),
}

/// One bag tag (or a run of consecutive tags) of a TBD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BagTag {
    pub carrier: Option<String>,
    pub number: Personal<String>,
    /// The tag numbers that follow this one, for a run.
    pub consecutive: Option<u32>,
    pub destination: Option<String>,
    /// Airline accounting code of the issuer (digits 2-4 of the ten-digit licence plate).
    pub issuer_code: Option<String>,
}

/// TBD: checked bags of one traveller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedBags {
    pub segment: usize,
    pub pieces: Option<u32>,
    pub weight: Option<Decimal>,
    pub unit: Option<WeightUnit>,
    pub pool: Option<BagPool>,
    pub tags: Vec<BagTag>,
}

impl CheckedBags {
    pub fn weight_kg(&self) -> Option<f64> {
        let weight = self.weight?.to_f64();
        match self.unit {
            Some(WeightUnit::Pounds) => Some(weight * 0.453_592_37),
            Some(WeightUnit::Other(_)) => None,
            _ => Some(weight),
        }
    }

    /// The last destination named on a tag.
    pub fn destination(&self) -> Option<&str> {
        self.tags
            .iter()
            .rev()
            .find_map(|t| t.destination.as_deref())
    }
}

/// One traveller on one itinerary segment (seat, check-in, bags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerSegment {
    pub traveller_ref: Option<String>,
    pub status: TravelStatus,
    /// The SSD seat when checked in, else the requested one.
    pub seat: Option<Seat>,
    pub check_in: Option<CheckIn>,
    pub bags: Option<CheckedBags>,
}

/// Gr.5: one segment of the booked itinerary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItinerarySegment {
    pub flight: Flight,
    pub operating: Option<OperatingFlight>,
    pub status: Option<BookingStatus>,
    /// APD aircraft type.
    pub aircraft: Option<String>,
    /// RCI of the segment: the operating carrier's locator.
    pub reservations: Vec<ReservationReference>,
    pub travellers: Vec<TravellerSegment>,
}

impl ItinerarySegment {
    pub fn is_codeshare(&self) -> bool {
        let operating = self
            .operating
            .as_ref()
            .and_then(|o| o.carrier.as_deref())
            .or(self.flight.operating_carrier.as_deref());
        operating.is_some_and(|o| Some(o) != self.flight.marketing_carrier.as_deref())
    }

    pub fn traveller(&self, reference: &str) -> Option<&TravellerSegment> {
        self.travellers
            .iter()
            .find(|t| t.traveller_ref.as_deref() == Some(reference))
    }
}

/// Gr.9: a non-air service (MSG with its TVLs: hotel, car, rail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonAirService {
    pub segment: usize,
    /// MSG business function as sent (e.g. `8`).
    pub kind: Option<String>,
    pub products: Vec<Flight>,
}

/// Kind of a MON amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountKind {
    /// `B`: base fare.
    Base,
    /// `T`: total including taxes.
    Total,
    Other(String),
}

/// MON element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonetaryAmount {
    pub kind: AmountKind,
    pub money: Money,
}

/// TXD element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tax {
    pub money: Money,
    /// Tax code, e.g. `YQ`.
    pub code: Option<String>,
}

/// PTK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    pub segment: usize,
    /// Pricing or ticketing indicator, e.g. `NR` non-refundable.
    pub indicator: Option<String>,
    pub issued: Option<Stamp>,
    pub validating_carrier: Option<String>,
    pub carrier_code: Option<String>,
    /// Where the ticket was issued.
    pub location: Option<String>,
}

/// Where a ticket is known from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSource {
    /// Gr.3 TKT with its MON/PTK/TXD/DAT.
    Tkt,
    /// Only an SSR TKNE names it.
    Tkne,
}

/// An electronic ticket coupon from an SSR TKNE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    pub segment: usize,
    pub number: Option<u32>,
    /// Itinerary segment it is for, when the SSR says which.
    pub itinerary: Option<usize>,
    pub infant: bool,
}

/// A ticket of one traveller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub segment: usize,
    pub source: TicketSource,
    pub traveller_ref: Option<String>,
    pub number: Option<Personal<String>>,
    /// Document type, e.g. `T` ticket.
    pub document_type: Option<String>,
    /// Number of booklets (conjunction tickets).
    pub booklets: Option<u32>,
    pub amounts: Vec<MonetaryAmount>,
    pub pricing: Option<Pricing>,
    pub taxes: Vec<Tax>,
    /// DAT of the ticket group (710 ticket issue).
    pub dates: Vec<DateEntry>,
    /// Fare calculation (IFT 15) of the traveller.
    pub fare_calculation: Option<String>,
    /// An SSR TKNE names this ticket.
    pub electronic: bool,
    pub coupons: Vec<Coupon>,
}

impl Ticket {
    pub fn total(&self) -> Option<&Money> {
        self.amounts
            .iter()
            .find(|a| a.kind == AmountKind::Total)
            .map(|a| &a.money)
    }

    /// PTK issue date, else the DAT 710.
    pub fn issued(&self) -> Option<Stamp> {
        self.pricing.as_ref().and_then(|p| p.issued).or_else(|| {
            self.dates
                .iter()
                .find(|d| d.qualifier.as_deref() == Some("710"))
                .and_then(|d| d.at)
        })
    }
}

/// FOP form of payment code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentForm {
    /// `CA`.
    Cash,
    /// `CC`.
    Card,
    /// `CK`.
    Cheque,
    /// `IN`: invoice.
    Invoice,
    /// `MS`: miscellaneous (voucher, MCO ...).
    Miscellaneous,
    /// `GR`: government transportation request.
    GovernmentRequest,
    Other(String),
}

impl PaymentForm {
    pub(crate) fn from_code(code: &str) -> Self {
        match code {
            "CA" => Self::Cash,
            "CC" => Self::Card,
            "CK" => Self::Cheque,
            "IN" => Self::Invoice,
            "MS" => Self::Miscellaneous,
            "GR" => Self::GovernmentRequest,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Card expiry month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardExpiry {
    pub year: i32,
    pub month: u32,
}

/// IFT 43 after a FOP: who paid, when it is not the traveller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sponsor {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// One FOP element with the IFT and ADD that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub segment: usize,
    pub traveller_ref: Option<String>,
    /// Index into [`Pnr::tickets`] of the ticket it paid.
    pub ticket: Option<usize>,
    pub form: PaymentForm,
    /// Old form of payment (FOP indicator 2), kept after an exchange.
    pub previous: bool,
    pub amount: Option<Decimal>,
    /// Card vendor code, e.g. `VI`, `AX`.
    pub vendor: Option<String>,
    /// Card or account number, as sent (often masked by the carrier).
    pub account_number: Option<Personal<String>>,
    pub expiry: Option<Personal<CardExpiry>>,
    pub sponsor: Option<Personal<Sponsor>>,
    pub billing_address: Option<Personal<Address>>,
}

/// Purpose of a contact, from the IATA CTC codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactPurpose {
    /// No purpose given (CTC, CTCE, CTCP, ADD telephone).
    Unspecified,
    /// CTCH, ADD `H`.
    Home,
    /// CTCB, ADD `W`/`B`.
    Business,
    /// CTCM, ADD `M`.
    Mobile,
    /// CTCT.
    TravelAgency,
    /// CTCR: the passenger refused to give contact details (what follows is kept as sent).
    Refused,
    Other(String),
}

/// A phone number, e-mail address or postal address in the PNR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub segment: usize,
    pub traveller_ref: Option<String>,
    pub purpose: ContactPurpose,
    pub phone: Option<Personal<String>>,
    /// Decoded from the AIRIMP form (`//` is `@`, `..` is `_`, `./` is `-`).
    pub email: Option<Personal<String>>,
    pub address: Option<Personal<Address>>,
    /// ADD address purpose code as sent (e.g. `700`, `702`).
    pub address_kind: Option<String>,
    /// Airline an OSI or SSR was addressed to.
    pub carrier: Option<String>,
}

/// Kind of a remark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemarkKind {
    /// An SSR that is not read into a field (meal, wheelchair, UMNR, OTHS ...).
    Ssr,
    /// IFT 28: other service information.
    Osi,
    /// IFT 15.
    FareCalculation,
    /// Any other IFT, with its free text type.
    General(Option<String>),
}

/// An SSR, OSI or free text of the PNR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remark {
    pub segment: usize,
    pub kind: RemarkKind,
    /// SSR code, e.g. `AVML`.
    pub code: Option<String>,
    /// SSR status, e.g. `HK`.
    pub status: Option<String>,
    pub carrier: Option<String>,
    pub text: Option<Personal<String>>,
    pub traveller_ref: Option<String>,
    pub itinerary: Option<usize>,
}

/// Gr.8: the booking was split (divided); EQN with the RCI of the other PNR(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub segment: usize,
    /// Number of travellers split off.
    pub travellers: Option<u32>,
    pub related: Vec<ReservationReference>,
}

/// SAC action of a history change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryAction {
    /// `A`.
    Added,
    /// `X`.
    Cancelled,
    /// `C`.
    Changed,
    Other(String),
    /// No SAC.
    Unspecified,
}

/// ABI: who made a history change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryCredit {
    pub segment: usize,
    /// Source type as sent (ABI element 1).
    pub source: Option<String>,
    pub agent: Option<Personal<String>>,
    /// Office or agent type (second component of ABI element 2).
    pub office: Option<String>,
    pub location: Option<String>,
    pub company: Option<String>,
}

/// What a history change was made to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryItem {
    Name {
        segment: usize,
        surname: Personal<String>,
        given_name: Option<Personal<String>>,
        reference: Option<String>,
    },
    Flight {
        flight: Flight,
        status: Option<BookingStatus>,
    },
    ServiceRequest(Remark),
    Text {
        segment: usize,
        text: Personal<String>,
    },
    Baggage(CheckedBags),
}

/// A SAC with the elements it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryChange {
    pub segment: usize,
    pub action: HistoryAction,
    pub items: Vec<HistoryItem>,
}

/// Gr.10: one history credit (ABI, DAT) and its changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub segment: usize,
    pub credit: Option<HistoryCredit>,
    pub at: Option<Stamp>,
    pub changes: Vec<HistoryChange>,
}

/// LTS: a line of history in the reservation system's own text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryText {
    pub segment: usize,
    pub text: Personal<String>,
}

/// Journey type of the itinerary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripType {
    OneWay,
    Return,
    OpenJaw,
    MultiCity,
}

/// One PNR (an SRC group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pnr {
    /// Position of the SRC.
    pub segment: usize,
    pub record_locator: Personal<String>,
    /// System holding the booking (first RCI element), e.g. `DL`, `1A`.
    pub reservation_system: Option<String>,
    pub created: Option<Stamp>,
    /// Further RCI elements: the same booking in other systems.
    pub other_locators: Vec<ReservationReference>,
    /// DAT of Gr.1 as sent.
    pub dates: Vec<DateEntry>,
    pub agency: Option<Organisation>,
    /// TIF with name qualifier `G`.
    pub group_name: Option<Personal<String>>,
    pub travellers: Vec<PnrTraveller>,
    pub itinerary: Vec<ItinerarySegment>,
    pub seat_requests: Vec<SeatRequest>,
    pub non_air: Vec<NonAirService>,
    pub tickets: Vec<Ticket>,
    pub payments: Vec<Payment>,
    pub contacts: Vec<Contact>,
    /// EBD of Gr.1 (the booking's; a traveller's are on the traveller).
    pub excess_baggage: Vec<ExcessBaggage>,
    pub remarks: Vec<Remark>,
    pub splits: Vec<Split>,
    pub history: Vec<HistoryEntry>,
    pub history_text: Vec<HistoryText>,
    pub warnings: Vec<Warning>,
}

impl Pnr {
    pub fn traveller(&self, reference: &str) -> Option<&PnrTraveller> {
        self.travellers
            .iter()
            .find(|t| t.reference.as_deref() == Some(reference))
    }

    /// DAT 700: the last transaction on the booking.
    pub fn last_modified(&self) -> Option<Stamp> {
        self.date("700")
    }

    /// DAT 710 of Gr.1: when the booking was ticketed.
    pub fn ticketed(&self) -> Option<Stamp> {
        self.date("710")
    }

    fn date(&self, qualifier: &str) -> Option<Stamp> {
        self.dates
            .iter()
            .find(|d| d.qualifier.as_deref() == Some(qualifier))
            .and_then(|d| d.at)
    }

    /// Travellers in the booking: the named ones, or the RPI party size when it is larger
    /// (a group booking names only some).
    pub fn traveller_count(&self) -> usize {
        let named = self.travellers.len();
        let party = self
            .itinerary
            .iter()
            .filter_map(|s| s.status.as_ref()?.quantity)
            .max()
            .map_or(0, |q| q as usize);
        named.max(party)
    }

    pub fn is_split(&self) -> bool {
        !self.splits.is_empty()
    }

    /// Record locators of the PNRs this one was split from or into.
    pub fn related_record_locators(&self) -> impl Iterator<Item = &Personal<String>> {
        self.splits
            .iter()
            .flat_map(|s| s.related.iter().map(|r| &r.locator))
    }

    /// Departure dates of the itinerary, in segment order as sent.
    pub fn travel_dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.itinerary
            .iter()
            .filter_map(|s| s.flight.departure_date)
    }

    /// Derived from the air itinerary in date order: back to the first departure airport over
    /// connected legs is a return, with a gap (a surface sector) an open jaw; a chain that never
    /// comes back is one-way; anything else (gaps, an airport visited twice) is multi-city.
    pub fn trip_type(&self) -> Option<TripType> {
        let mut legs: Vec<&Flight> = self
            .itinerary
            .iter()
            .map(|s| &s.flight)
            .filter(|f| f.departure_airport.is_some() && f.arrival_airport.is_some())
            .collect();
        if legs.iter().all(|f| f.departure_date.is_some()) {
            legs.sort_by_key(|f| (f.departure_date, f.departure_time));
        }
        let origin = legs.first()?.departure_airport.as_deref();
        let destination = legs.last()?.arrival_airport.as_deref();
        let chained = legs
            .windows(2)
            .all(|w| w[0].arrival_airport == w[1].departure_airport);
        if legs.len() > 1 && destination == origin {
            return Some(if chained {
                TripType::Return
            } else {
                TripType::OpenJaw
            });
        }
        let mut stops: Vec<Option<&str>> = legs
            .iter()
            .map(|f| f.departure_airport.as_deref())
            .collect();
        stops.push(destination);
        let revisits = stops
            .iter()
            .enumerate()
            .any(|(i, stop)| stops[i + 1..].contains(stop));
        Some(if chained && !revisits {
            TripType::OneWay
        } else {
            TripType::MultiCity
        })
    }
}
