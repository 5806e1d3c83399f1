//! Border units of a deployment and where they work: alerts and statistics route to a unit by
//! the place of arrival, discharge or entry of a record.

use std::{collections::HashMap, path::Path};

use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Role};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Unit {
    /// Stable id, also a NATS subject token: lowercase letters, digits and '-'.
    pub id: String,
    pub name: String,
    /// `pcu` (port control unit), `accu` (air cargo control unit), `jaitf` (airport task force),
    /// `interagency`.
    pub kind: String,
    /// Places the unit covers: IATA airport codes, UN/LOCODEs, or crossing ids.
    pub locations: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UnitDirectory {
    units: Vec<Unit>,
    by_location: HashMap<String, Vec<usize>>,
}

#[derive(Debug, thiserror::Error)]
pub enum UnitsError {
    #[error("reading units file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("unit {0:?}: id must be lowercase letters, digits and '-'")]
    BadId(String),
}

impl UnitDirectory {
    pub fn new(units: Vec<Unit>) -> Result<Self, UnitsError> {
        let mut by_location: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, unit) in units.iter().enumerate() {
            let valid = !unit.id.is_empty()
                && unit
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                return Err(UnitsError::BadId(unit.id.clone()));
            }
            for location in &unit.locations {
                by_location
                    .entry(location.to_ascii_uppercase())
                    .or_default()
                    .push(index);
            }
        }
        Ok(Self { units, by_location })
    }

    /// The seed region, or the units in `path` (a JSON array of units) when given.
    pub fn load(path: Option<&Path>) -> Result<Self, UnitsError> {
        match path {
            None => Self::new(seed_region()),
            Some(path) => {
                let read_err = |reason: String| UnitsError::Read {
                    path: path.display().to_string(),
                    reason,
                };
                let text = std::fs::read_to_string(path).map_err(|e| read_err(e.to_string()))?;
                let units: Vec<Unit> =
                    serde_json::from_str(&text).map_err(|e| read_err(e.to_string()))?;
                Self::new(units)
            }
        }
    }

    pub fn all(&self) -> &[Unit] {
        &self.units
    }

    pub fn get(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// Units covering `location` (case-insensitive).
    pub fn for_location(&self, location: &str) -> Vec<&Unit> {
        self.by_location
            .get(&location.to_ascii_uppercase())
            .map(|indexes| indexes.iter().map(|&i| &self.units[i]).collect())
            .unwrap_or_default()
    }
}

/// What a caller may read of the records routed to units: the whole agency (administrators,
/// analysts building rules), or the records touching the places of its units (officers,
/// supervisors).
#[derive(Debug, Clone)]
pub enum Scope {
    Agency,
    Locations(Vec<String>),
}

impl Scope {
    pub fn of(caller: &Caller, units: &UnitDirectory) -> Self {
        if caller.has_role(Role::Admin) || caller.has_role(Role::Analyst) {
            return Self::Agency;
        }
        let mut locations: Vec<String> = caller
            .units
            .iter()
            .filter_map(|id| units.get(id))
            .flat_map(|unit| unit.locations.iter().map(|l| l.to_ascii_uppercase()))
            .collect();
        locations.sort();
        locations.dedup();
        Self::Locations(locations)
    }

    /// Whether a record touching these places (departure and arrival, loading and discharge,
    /// place of entry) is the caller's to see.
    pub fn covers(&self, places: &[&str]) -> bool {
        match self {
            Self::Agency => true,
            Self::Locations(locations) => places
                .iter()
                .any(|place| locations.iter().any(|l| l.eq_ignore_ascii_case(place))),
        }
    }

    /// `None` for the whole agency (SQL: `$n::text[] IS NULL OR place = ANY($n)`).
    pub fn locations(&self) -> Option<&[String]> {
        match self {
            Self::Agency => None,
            Self::Locations(locations) => Some(locations),
        }
    }
}

fn unit(id: &str, name: &str, kind: &str, locations: &[&str]) -> Unit {
    Unit {
        id: id.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        locations: locations.iter().map(|l| (*l).to_owned()).collect(),
    }
}

/// Default units of the seed region (Western Balkans).
pub fn seed_region() -> Vec<Unit> {
    vec![
        unit("pcu-bar", "PCU Port of Bar", "pcu", &["MEBAR"]),
        unit("pcu-bijaca", "PCU Bijača", "pcu", &["crossing:bijaca"]),
        unit(
            "pcu-gradiska",
            "PCU Gradiška",
            "pcu",
            &["crossing:gradiska"],
        ),
        unit(
            "jaitf-sjj",
            "ACCU/JAITF Sarajevo",
            "jaitf",
            &["SJJ", "BASJJ"],
        ),
        unit(
            "jaitf-beg",
            "JAITF/ACCU Belgrade",
            "jaitf",
            &["BEG", "RSBEG"],
        ),
        unit(
            "biu-skp",
            "Skopje border interagency unit",
            "interagency",
            &["SKP", "MKSKP"],
        ),
        unit(
            "pcu-vermica",
            "PCU Vermicë/Vrbnica",
            "pcu",
            &["crossing:vermica"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_region_routes_airports_and_ports() {
        let dir = UnitDirectory::load(None).unwrap();
        assert_eq!(dir.all().len(), 7);
        assert_eq!(dir.for_location("SJJ")[0].id, "jaitf-sjj");
        assert_eq!(dir.for_location("beg")[0].id, "jaitf-beg");
        assert_eq!(dir.for_location("MEBAR")[0].id, "pcu-bar");
        assert!(dir.for_location("LHR").is_empty());
    }

    #[test]
    fn unit_ids_must_be_subject_tokens() {
        let err = UnitDirectory::new(vec![unit("PCU Bar", "x", "pcu", &[])]).unwrap_err();
        assert!(matches!(err, UnitsError::BadId(_)));
    }
}
