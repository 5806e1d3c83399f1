//! Who a traveller is on a flight, across the versions of its report: a UUIDv5 in the flight's
//! namespace over the traveller's main travel document (normalised number and issuing state),
//! else over the normalised name and date of birth. The same person in a resend or an update
//! gets the same key; the key is a hash and reveals none of the data behind it.

use gatehouse_matching::document::normalize_document_number;
use gatehouse_proto::v1::{DocumentType, Traveller};
use uuid::Uuid;

/// Separates the parts hashed, so `("AB", "C")` and `("A", "BC")` differ.
const SEPARATOR: char = '\u{1f}';

pub fn traveller_key(flight_id: Uuid, traveller: &Traveller) -> Uuid {
    Uuid::new_v5(&flight_id, identity(traveller).as_bytes())
}

fn identity(traveller: &Traveller) -> String {
    // The most identifying document wins, whatever order the carrier lists them in; among
    // equals the smallest (state, number), so a reordered list keeps the key.
    let document = traveller
        .documents
        .iter()
        .filter_map(|document| {
            let number = normalize_document_number(&document.number)?;
            Some((
                rank(document.r#type),
                document.issuing_country.trim().to_ascii_uppercase(),
                number,
            ))
        })
        .min();
    match document {
        Some((_, country, number)) => format!("doc{SEPARATOR}{country}{SEPARATOR}{number}"),
        None => format!(
            "name{SEPARATOR}{}{SEPARATOR}{}{SEPARATOR}{}",
            normalize_name(&traveller.surname),
            normalize_name(&traveller.given_names),
            traveller.date_of_birth.trim()
        ),
    }
}

/// Lower ranks identify a person better.
fn rank(document_type: i32) -> u8 {
    match DocumentType::try_from(document_type).unwrap_or(DocumentType::Unspecified) {
        DocumentType::Passport => 0,
        DocumentType::IdCard => 1,
        DocumentType::ResidencePermit => 2,
        DocumentType::Other | DocumentType::Unspecified => 3,
        // A visa is stamped into a passport: the last resort.
        DocumentType::Visa => 4,
    }
}

/// Uppercase words of letters and digits, one space apart: `o'neil-smith ` → `O NEIL SMITH`.
fn normalize_name(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::TravelDocument;

    use super::*;

    fn document(r#type: DocumentType, number: &str, country: &str) -> TravelDocument {
        TravelDocument {
            r#type: r#type as i32,
            number: number.into(),
            issuing_country: country.into(),
            ..Default::default()
        }
    }

    fn person(
        surname: &str,
        given: &str,
        birth: &str,
        documents: Vec<TravelDocument>,
    ) -> Traveller {
        Traveller {
            surname: surname.into(),
            given_names: given.into(),
            date_of_birth: birth.into(),
            documents,
            ..Default::default()
        }
    }

    #[test]
    fn the_same_traveller_gets_the_same_key_and_others_do_not() {
        let flight = Uuid::now_v7();
        let passport = || document(DocumentType::Passport, "AB 123456", "SRB");
        let key = |t: &Traveller| traveller_key(flight, t);
        let base = key(&person("PETROVIC", "MARKO", "1980-02-29", vec![passport()]));
        let same = [
            // Spelling of the number, another seat or name form: the document decides.
            person(
                "Petrović",
                "Marko Ivan",
                "",
                vec![document(DocumentType::Passport, "ab-123-456", "srb")],
            ),
            // A visa added, listed first.
            person(
                "PETROVIC",
                "MARKO",
                "1980-02-29",
                vec![document(DocumentType::Visa, "V99", "DEU"), passport()],
            ),
        ];
        for (i, traveller) in same.iter().enumerate() {
            assert_eq!(key(traveller), base, "case {i}");
        }
        let different = [
            person(
                "PETROVIC",
                "MARKO",
                "1980-02-29",
                vec![document(DocumentType::Passport, "AB 123457", "SRB")],
            ),
            person(
                "PETROVIC",
                "MARKO",
                "1980-02-29",
                vec![document(DocumentType::Passport, "AB 123456", "MNE")],
            ),
            person("PETROVIC", "MARKO", "1980-02-29", vec![]),
        ];
        for (i, traveller) in different.iter().enumerate() {
            assert_ne!(key(traveller), base, "case {i}");
        }
        // Another flight, another key for the same person.
        assert_ne!(
            traveller_key(
                Uuid::now_v7(),
                &person("PETROVIC", "MARKO", "1980-02-29", vec![passport()])
            ),
            base
        );
    }

    #[test]
    fn without_a_document_name_and_birth_date_decide() {
        let flight = Uuid::now_v7();
        let key = |surname: &str, given: &str, birth: &str| {
            traveller_key(
                flight,
                &person(
                    surname,
                    given,
                    birth,
                    vec![document(DocumentType::Passport, " - ", "")],
                ),
            )
        };
        let base = key("O'Neil-Smith", "Mary  Ann", "1990-01-01");
        assert_eq!(key("O NEIL SMITH", "mary ann", "1990-01-01"), base);
        assert_ne!(key("O NEIL SMITH", "MARY ANN", "1990-01-02"), base);
        assert_ne!(key("O NEIL", "SMITH MARY ANN", "1990-01-01"), base);
        assert_ne!(key("SMITH", "MARY ANN", "1990-01-01"), base);
    }

    #[test]
    fn the_key_reveals_nothing_of_the_traveller() {
        let flight = Uuid::now_v7();
        let text = traveller_key(
            flight,
            &person(
                "PETROVIC",
                "MARKO",
                "1980-02-29",
                vec![document(DocumentType::Passport, "AB123456", "SRB")],
            ),
        )
        .to_string();
        for value in ["AB123456", "SRB", "PETROVIC"] {
            assert!(!text.to_ascii_uppercase().contains(value), "{text}");
        }
        assert_eq!(Uuid::parse_str(&text).unwrap().get_version_num(), 5);
    }
}
