//! Who a party is across consignments: the key of intake's party history.

use gatehouse_proto::v1::Party;
use uuid::Uuid;

/// Namespace of party keys (a fixed random UUID: keys stay the same across deployments).
const PARTY_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b7e_94d3_4a0f_8c55_1e2d_3b4a_5c6d);
/// Separates the parts hashed, so `("AB", "C")` and `("A", "BC")` differ.
const SEPARATOR: char = '\u{1f}';

/// The party's identity: its identifier (EORI, TIN) when it has one, else its name and country
/// as written with case, punctuation and spacing folded. `None` for a party with neither.
pub fn party_key(party: &Party) -> Option<Uuid> {
    // Identifiers are written with and without separators (`ME 0234-5678`).
    let identifier: String = fold(&party.identifier)
        .chars()
        .filter(|c| *c != ' ')
        .collect();
    let identity = if !identifier.is_empty() {
        format!("id{SEPARATOR}{identifier}")
    } else {
        let name = fold(&party.name);
        if name.is_empty() {
            return None;
        }
        format!("name{SEPARATOR}{name}{SEPARATOR}{}", party.country.trim())
    };
    Some(Uuid::new_v5(&PARTY_NAMESPACE, identity.as_bytes()))
}

/// Upper-case letters and digits, words separated by one space: `Balkan Trade d.o.o.` and
/// `BALKAN TRADE D O O` are the same name.
fn fold(value: &str) -> String {
    let mut folded = String::with_capacity(value.len());
    for word in value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        if !folded.is_empty() {
            folded.push(' ');
        }
        folded.extend(word.chars().flat_map(char::to_uppercase));
    }
    folded
}

/// The issuer of an air waybill: its airline prefix (`235` of `235-12345675`), whichever airline
/// flies it, so that the FWB and every flight's FFM name the same consignment.
pub fn air_waybill_issuer(awb: gatehouse_checks::AirWaybillNumber) -> String {
    format!("{:03}", awb.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str, country: &str, identifier: &str) -> Party {
        Party {
            name: name.to_owned(),
            country: country.to_owned(),
            identifier: identifier.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn a_party_is_known_by_identifier_else_by_folded_name_and_country() {
        let by_name = party_key(&party("Balkan Trade d.o.o.", "MNE", ""));
        assert!(by_name.is_some());
        assert_eq!(by_name, party_key(&party("BALKAN  TRADE D O O", "MNE", "")));
        assert_ne!(by_name, party_key(&party("Balkan Trade d.o.o.", "SRB", "")));
        let by_id = party_key(&party("Balkan Trade", "MNE", "ME02345678"));
        assert_eq!(
            by_id,
            party_key(&party("Other name", "SRB", "me 0234-5678"))
        );
        assert_ne!(by_id, by_name);
        assert_eq!(party_key(&party(" .. ", "MNE", "")), None);
    }
}
