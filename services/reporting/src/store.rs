//! SQL of the reporting schema.

use chrono::NaiveDate;
use gatehouse_platform::outbox::begin_once;
use gatehouse_proto::v1::{DailyStatistics, Domain};
use sqlx::{PgConnection, PgPool, Row};

use crate::counting::Tally;

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

/// Adds `tally` unless `consumer` counted `event_id` before; the inbox entry and the counts
/// commit together, so a redelivered event is never counted twice. Returns whether it counted.
pub async fn count_once(
    pool: &PgPool,
    consumer: &str,
    event_id: &str,
    subject: &str,
    tally: &Tally,
) -> Result<bool, sqlx::Error> {
    let Some(mut tx) = begin_once(pool, consumer, event_id, subject).await? else {
        return Ok(false);
    };
    add(&mut tx, tally).await?;
    tx.commit().await?;
    Ok(true)
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
    }
    sqlx::query(
        "INSERT INTO daily_statistics (unit_id, day, domain, records, hits, alerts, seizures, nothing_found,
             false_positives, referred, not_controlled)
         SELECT * FROM UNNEST($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
             $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])
         ON CONFLICT (unit_id, day, domain) DO UPDATE SET
             records = daily_statistics.records + EXCLUDED.records,
             hits = daily_statistics.hits + EXCLUDED.hits,
             alerts = daily_statistics.alerts + EXCLUDED.alerts,
             seizures = daily_statistics.seizures + EXCLUDED.seizures,
             nothing_found = daily_statistics.nothing_found + EXCLUDED.nothing_found,
             false_positives = daily_statistics.false_positives + EXCLUDED.false_positives,
             referred = daily_statistics.referred + EXCLUDED.referred,
             not_controlled = daily_statistics.not_controlled + EXCLUDED.not_controlled",
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
             false_positives, referred, not_controlled
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
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gatehouse_platform::{
        Personal,
        bus::{Delivery, Event, subjects},
        config::DatabaseConfig,
        db,
        events::to_timestamp,
        units::UnitDirectory,
    };
    use gatehouse_proto::v1::{
        Alert, AlertRaised, ApiReport, ApiReportAccepted, Flight, Traveller,
    };

    use super::*;
    use crate::counting::{Applied, StatisticsConsumer};

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

    struct Outcome {
        report_first: Applied,
        report_again: Applied,
        alert: Applied,
        rows: Vec<DailyStatistics>,
    }

    /// Counts an API report twice and an alert once for the same unit and day.
    async fn count_report_twice(url: String) -> Outcome {
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
        let records = StatisticsConsumer::<ApiReportAccepted>::new(
            pool.clone(),
            units.clone(),
            "reporting-api-accepted".into(),
        );
        let report = delivery(subjects::API_ACCEPTED, &report);
        let report_first = records.apply(&report).await.unwrap();
        let report_again = records.apply(&report).await.unwrap();

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
        let alerts = StatisticsConsumer::<AlertRaised>::new(
            pool.clone(),
            units,
            "reporting-alert-raised".into(),
        );
        let alert = alerts
            .apply(&delivery(&subjects::alert_raised("jaitf-sjj"), &raised))
            .await
            .unwrap();

        let day = at.date_naive();
        let rows = daily_statistics(&pool, &["jaitf-sjj".into()], day, day, None)
            .await
            .unwrap();
        pool.close().await;
        Outcome {
            report_first,
            report_again,
            alert,
            rows,
        }
    }

    #[tokio::test]
    async fn a_redelivered_event_is_counted_once() {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let url = db::create_scratch_database(SERVER, &name).await.unwrap();
        let outcome = count_report_twice(url).await;
        db::drop_scratch_database(SERVER, &name).await.unwrap();

        assert_eq!(outcome.report_first, Applied::Counted(1));
        assert_eq!(outcome.report_again, Applied::AlreadyCounted);
        assert_eq!(outcome.alert, Applied::Counted(1));
        assert_eq!(
            outcome.rows,
            [DailyStatistics {
                unit_id: "jaitf-sjj".into(),
                date: "2026-03-01".into(),
                domain: Domain::Passenger as i32,
                records: 3,
                alerts: 1,
                ..DailyStatistics::default()
            }]
        );
    }
}
