//! SQL of the reporting schema.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use gatehouse_platform::{consumer::Delivery, inbox};
use gatehouse_proto::v1::{DailyStatistics, Domain};
use sqlx::{PgConnection, PgPool, Row};

use crate::counting::{DayKey, SubjectCount, Tally};

/// The `domain` column value of a domain; `None` for one statistics do not know.
fn domain_column(domain: Domain) -> Option<&'static str> {
    match domain {
        Domain::Passenger => Some("passenger"),
        Domain::Cargo => Some("cargo"),
        Domain::Unspecified => None,
    }
}

fn domain_from_column(value: &str) -> Domain {
    match value {
        "passenger" => Domain::Passenger,
        "cargo" => Domain::Cargo,
        _ => Domain::Unspecified,
    }
}

/// Counts the events of `deliveries` that `consumer` has not counted before, in one
/// transaction with their inbox claims: `tally` builds the sum of the claimed events, subjects
/// are counted only if no earlier event counted them, and every touched row is upserted once.
/// Returns how many rows were written.
pub async fn count_batch(
    pool: &PgPool,
    consumer: &str,
    deliveries: &[&Delivery],
    tally: impl FnOnce(&HashSet<String>) -> Tally,
) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let claimed = inbox::claim(&mut tx, consumer, deliveries).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut tally = tally(&claimed);
    let subjects = tally.take_subjects();
    if !subjects.is_empty() {
        for (key, count) in first_counted(&mut tx, subjects).await? {
            tally.add_counted(key, count);
        }
    }
    let rows = tally.len();
    if rows > 0 {
        add(&mut tx, &tally).await?;
    }
    tx.commit().await?;
    Ok(rows)
}

/// Records `subjects` as counted and returns those no earlier event counted.
async fn first_counted(
    conn: &mut PgConnection,
    subjects: BTreeSet<(DayKey, SubjectCount, String)>,
) -> Result<Vec<(DayKey, SubjectCount)>, sqlx::Error> {
    let mut unit_ids = Vec::with_capacity(subjects.len());
    let mut days = Vec::with_capacity(subjects.len());
    let mut domains = Vec::with_capacity(subjects.len());
    let mut kinds = Vec::with_capacity(subjects.len());
    let mut keys = Vec::with_capacity(subjects.len());
    for (key, count, dedupe_key) in &subjects {
        let Some(domain) = domain_column(key.domain) else {
            continue;
        };
        unit_ids.push(key.unit_id.as_str());
        days.push(key.day);
        domains.push(domain);
        kinds.push(count.column());
        keys.push(dedupe_key.as_str());
    }
    let rows = sqlx::query(
        "INSERT INTO counted_subjects (unit_id, day, domain, kind, dedupe_key)
         SELECT * FROM UNNEST($1::text[], $2::date[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT DO NOTHING
         RETURNING unit_id, day, domain, kind",
    )
    .bind(&unit_ids)
    .bind(&days)
    .bind(&domains)
    .bind(&kinds)
    .bind(&keys)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let domain: String = row.try_get("domain")?;
            let kind: String = row.try_get("kind")?;
            let count = if kind == SubjectCount::Hit.column() {
                SubjectCount::Hit
            } else {
                SubjectCount::ShadowHit
            };
            let key = DayKey {
                unit_id: row.try_get("unit_id")?,
                day: row.try_get("day")?,
                domain: domain_from_column(&domain),
            };
            Ok((key, count))
        })
        .collect()
}

async fn add(conn: &mut PgConnection, tally: &Tally) -> Result<(), sqlx::Error> {
    let mut unit_ids = Vec::with_capacity(tally.len());
    let mut days = Vec::with_capacity(tally.len());
    let mut domains = Vec::with_capacity(tally.len());
    let mut records = Vec::with_capacity(tally.len());
    let mut hits = Vec::with_capacity(tally.len());
    let mut alerts = Vec::with_capacity(tally.len());
    let mut seizures = Vec::with_capacity(tally.len());
    let mut nothing_found = Vec::with_capacity(tally.len());
    let mut false_positives = Vec::with_capacity(tally.len());
    let mut referred = Vec::with_capacity(tally.len());
    let mut not_controlled = Vec::with_capacity(tally.len());
    let mut shadow_hits = Vec::with_capacity(tally.len());
    let mut pnr_travellers = Vec::with_capacity(tally.len());
    for (key, counts) in tally.rows() {
        // Counting rejects events without a known domain, so every key has one.
        let Some(domain) = domain_column(key.domain) else {
            continue;
        };
        unit_ids.push(key.unit_id.as_str());
        days.push(key.day);
        domains.push(domain);
        records.push(counts.records);
        hits.push(counts.hits);
        alerts.push(counts.alerts);
        seizures.push(counts.seizures);
        nothing_found.push(counts.nothing_found);
        false_positives.push(counts.false_positives);
        referred.push(counts.referred);
        not_controlled.push(counts.not_controlled);
        shadow_hits.push(counts.shadow_hits);
        pnr_travellers.push(counts.pnr_travellers);
    }
    sqlx::query(
        "INSERT INTO daily_statistics (unit_id, day, domain, records, hits, alerts, seizures, nothing_found,
             false_positives, referred, not_controlled, shadow_hits, pnr_travellers)
         SELECT * FROM UNNEST($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
             $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
             $13::bigint[])
         ON CONFLICT (unit_id, day, domain) DO UPDATE SET
             records = daily_statistics.records + EXCLUDED.records,
             hits = daily_statistics.hits + EXCLUDED.hits,
             alerts = daily_statistics.alerts + EXCLUDED.alerts,
             seizures = daily_statistics.seizures + EXCLUDED.seizures,
             nothing_found = daily_statistics.nothing_found + EXCLUDED.nothing_found,
             false_positives = daily_statistics.false_positives + EXCLUDED.false_positives,
             referred = daily_statistics.referred + EXCLUDED.referred,
             not_controlled = daily_statistics.not_controlled + EXCLUDED.not_controlled,
             shadow_hits = daily_statistics.shadow_hits + EXCLUDED.shadow_hits,
             pnr_travellers = daily_statistics.pnr_travellers + EXCLUDED.pnr_travellers",
    )
    .bind(&unit_ids)
    .bind(&days)
    .bind(&domains)
    .bind(&records)
    .bind(&hits)
    .bind(&alerts)
    .bind(&seizures)
    .bind(&nothing_found)
    .bind(&false_positives)
    .bind(&referred)
    .bind(&not_controlled)
    .bind(&shadow_hits)
    .bind(&pnr_travellers)
    .execute(conn)
    .await?;
    Ok(())
}

/// The rows of `unit_ids` from `from` to `to` inclusive, in `domain` (`None` = both), ordered by
/// day, unit and domain.
pub async fn daily_statistics(
    pool: &PgPool,
    unit_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
    domain: Option<Domain>,
) -> Result<Vec<DailyStatistics>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT unit_id, day, domain, records, hits, alerts, seizures, nothing_found,
             false_positives, referred, not_controlled, shadow_hits, pnr_travellers
         FROM daily_statistics
         WHERE unit_id = ANY($1) AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR domain = $4)
         ORDER BY day, unit_id, domain",
    )
    .bind(unit_ids)
    .bind(from)
    .bind(to)
    .bind(domain.and_then(domain_column))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let day: NaiveDate = row.try_get("day")?;
            let domain: String = row.try_get("domain")?;
            Ok(DailyStatistics {
                unit_id: row.try_get("unit_id")?,
                date: day.format("%Y-%m-%d").to_string(),
                domain: domain_from_column(&domain) as i32,
                records: row.try_get("records")?,
                hits: row.try_get("hits")?,
                alerts: row.try_get("alerts")?,
                seizures: row.try_get("seizures")?,
                nothing_found: row.try_get("nothing_found")?,
                false_positives: row.try_get("false_positives")?,
                referred: row.try_get("referred")?,
                not_controlled: row.try_get("not_controlled")?,
                shadow_hits: row.try_get("shadow_hits")?,
                pnr_travellers: row.try_get("pnr_travellers")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gatehouse_platform::{
        Personal,
        bus::{Event, subjects},
        config::DatabaseConfig,
        consumer::BatchHandler,
        db,
        events::to_timestamp,
        units::UnitDirectory,
    };
    use gatehouse_proto::v1::{
        Alert, AlertRaised, ApiReport, ApiReportAccepted, Assessment, Flight, Hit, Pnr,
        PnrAccepted, PnrTraveller, RiskAssessed, Traveller,
    };

    use super::*;
    use crate::counting::{Counted, StatisticsConsumer};

    const SERVER: &str = "postgres://postgres@127.0.0.1:5432/test";

    fn delivery<E: Event>(subject: &str, event: &E) -> Delivery {
        Delivery {
            subject: subject.to_owned(),
            event_type: E::TYPE.to_owned(),
            event_id: event.event_id().to_owned(),
            payload: event.encode_to_vec().into(),
            attempt: 1,
        }
    }

    fn assessed(dedupe_key: &str) -> RiskAssessed {
        RiskAssessed {
            event_id: uuid::Uuid::now_v7().to_string(),
            domain: Domain::Passenger as i32,
            assessments: vec![Assessment {
                assessment_id: uuid::Uuid::now_v7().to_string(),
                location: "SJJ".into(),
                occurred_on: "2026-03-01".into(),
                dedupe_key: dedupe_key.into(),
                hits: vec![Hit::default()],
                ..Assessment::default()
            }],
            ..Default::default()
        }
    }

    async fn apply<E: Counted>(pool: &PgPool, units: &Arc<UnitDirectory>, batch: &[Delivery]) {
        let consumer = StatisticsConsumer::<E>::new(pool.clone(), units.clone(), "reporting-test");
        let rejected = consumer.apply(batch).await.unwrap();
        assert!(rejected.is_empty(), "{rejected:?}");
    }

    /// Counts a report delivered three times (twice in one batch), two assessments of one
    /// traveller and one of another, an alert, and a PNR delivered twice.
    async fn count_redeliveries(url: String) -> Vec<DailyStatistics> {
        let pool = db::connect(&DatabaseConfig {
            url: Personal::new(url),
            schema: "reporting".into(),
            max_connections: 2,
        })
        .await
        .unwrap();
        db::migrate(&pool, &crate::MIGRATIONS).await.unwrap();
        let units = Arc::new(UnitDirectory::load(None).unwrap());
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .to_utc();

        let report = ApiReportAccepted {
            event_id: uuid::Uuid::now_v7().to_string(),
            occurred_at: Some(to_timestamp(at)),
            report: Some(ApiReport {
                flight: Some(Flight {
                    arrival_airport: "SJJ".into(),
                    ..Flight::default()
                }),
                travellers: vec![Traveller::default(); 3],
                ..ApiReport::default()
            }),
            ..Default::default()
        };
        let report = || delivery(subjects::API_ACCEPTED, &report);
        apply::<ApiReportAccepted>(&pool, &units, &[report(), report()]).await;
        apply::<ApiReportAccepted>(&pool, &units, &[report()]).await;

        // A re-assessment of the same traveller is a new event with the same dedupe key.
        let subject = "passenger/flight/traveller-1";
        let first = delivery("gatehouse.risk.assessed.passenger", &assessed(subject));
        let again = delivery("gatehouse.risk.assessed.passenger", &assessed(subject));
        let other = delivery(
            "gatehouse.risk.assessed.passenger",
            &assessed("passenger/flight/traveller-2"),
        );
        apply::<RiskAssessed>(&pool, &units, &[first]).await;
        apply::<RiskAssessed>(&pool, &units, &[again, other]).await;

        let raised = AlertRaised {
            event_id: uuid::Uuid::now_v7().to_string(),
            alert: Some(Alert {
                unit_id: "jaitf-sjj".into(),
                domain: Domain::Passenger as i32,
                raised_at: Some(to_timestamp(at)),
                ..Alert::default()
            }),
            ..Default::default()
        };
        let raised = delivery(&subjects::alert_raised("jaitf-sjj"), &raised);
        apply::<AlertRaised>(&pool, &units, &[raised]).await;

        // A booking of two travellers, delivered twice; its travellers go to pnr_travellers.
        let booking = PnrAccepted {
            event_id: uuid::Uuid::now_v7().to_string(),
            occurred_at: Some(to_timestamp(at)),
            pnr: Some(Pnr {
                flight: Some(Flight {
                    arrival_airport: "SJJ".into(),
                    ..Flight::default()
                }),
                travellers: vec![PnrTraveller::default(); 2],
                ..Pnr::default()
            }),
            new_traveller_count: 2,
            ..Default::default()
        };
        let booking = || delivery(subjects::PNR_ACCEPTED, &booking);
        apply::<PnrAccepted>(&pool, &units, &[booking()]).await;
        apply::<PnrAccepted>(&pool, &units, &[booking()]).await;

        let day = at.date_naive();
        let rows = daily_statistics(&pool, &["jaitf-sjj".into()], day, day, None)
            .await
            .unwrap();
        pool.close().await;
        rows
    }

    #[tokio::test]
    async fn redelivered_events_and_reassessed_subjects_are_counted_once() {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let url = db::create_scratch_database(SERVER, &name).await.unwrap();
        let rows = count_redeliveries(url).await;
        db::drop_scratch_database(SERVER, &name).await.unwrap();

        assert_eq!(
            rows,
            [DailyStatistics {
                unit_id: "jaitf-sjj".into(),
                date: "2026-03-01".into(),
                domain: Domain::Passenger as i32,
                records: 3,
                hits: 2,
                alerts: 1,
                pnr_travellers: 2,
                ..DailyStatistics::default()
            }]
        );
    }
}
