//! Postgres: a pool whose connections work inside the service's own schema, and migrations.

use std::str::FromStr;

use sqlx::{
    ConnectOptions, Connection, PgPool,
    migrate::{Migration, Migrator},
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::config::{DatabaseConfig, is_identifier};

/// Tables every service has (outbox, inbox, audit log), migrated before the service's own.
static PLATFORM_MIGRATOR: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database url: {0}")]
    Url(String),
    #[error("invalid schema or database name {0:?}")]
    Identifier(String),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Connects to the configured database (creating it when missing, as on a fresh machine),
/// creates the service schema and returns a pool whose `search_path` is that schema.
pub async fn connect(config: &DatabaseConfig) -> Result<PgPool, DbError> {
    if !is_identifier(&config.schema) {
        return Err(DbError::Identifier(config.schema.clone()));
    }
    let options =
        PgConnectOptions::from_str(config.url.expose()).map_err(|e| DbError::Url(e.to_string()))?;
    let mut conn = match options.connect().await {
        Ok(conn) => conn,
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            create_database(&options).await?;
            options.connect().await?
        }
        Err(e) => return Err(e.into()),
    };
    sqlx::query(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{}\"",
        config.schema
    ))
    .execute(&mut conn)
    .await?;
    conn.close().await?;

    let options = options.options([("search_path", config.schema.as_str())]);
    Ok(PgPoolOptions::new()
        .max_connections(config.max_connections)
        .connect_with(options)
        .await?)
}

async fn create_database(options: &PgConnectOptions) -> Result<(), DbError> {
    let name = options.get_database().unwrap_or("postgres").to_owned();
    if !is_identifier(&name) {
        return Err(DbError::Identifier(name));
    }
    let mut admin = options.clone().database("postgres").connect().await?;
    match sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
    {
        // Another service created it first: 42P04, or 23505 when both raced in the catalogue.
        Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {
        }
        Err(e) => return Err(e.into()),
        Ok(_) => tracing::info!(database = %name, "created database"),
    }
    admin.close().await?;
    Ok(())
}

/// Platform migrations are numbered above this in `_sqlx_migrations`, so they never collide with
/// a service's own (`0001_…`) in the one table sqlx 0.8 keeps per schema.
const PLATFORM_VERSION_BASE: i64 = 1_000_000_000;

/// Applies the platform tables, then the service's own migrations, inside its schema.
pub async fn migrate(pool: &PgPool, service_migrations: &Migrator) -> Result<(), DbError> {
    // One migrator, platform first: sqlx applies what is missing in this order.
    let migrations: Vec<Migration> = PLATFORM_MIGRATOR
        .iter()
        .map(|m| Migration {
            version: PLATFORM_VERSION_BASE + m.version,
            ..m.clone()
        })
        .chain(service_migrations.iter().cloned())
        .collect();
    let migrator = Migrator {
        migrations: migrations.into(),
        ..Migrator::DEFAULT
    };
    migrator.run(pool).await?;
    Ok(())
}

/// Creates an empty database named `name` next to the one `url` points at and returns its URL.
/// Tests use it to get a fresh database each.
pub async fn create_scratch_database(url: &str, name: &str) -> Result<String, DbError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| DbError::Url(e.to_string()))?;
    create_database(&options.clone().database(name)).await?;
    with_database(url, name)
}

/// `url` with its database path replaced by `name`, keeping credentials and query parameters.
pub fn with_database(url: &str, name: &str) -> Result<String, DbError> {
    let authority_start = url
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| DbError::Url("missing scheme".into()))?;
    let (head, rest) = url.split_at(authority_start);
    let query_start = rest.find('?').unwrap_or(rest.len());
    let authority_end = rest[..query_start].find('/').unwrap_or(query_start);
    Ok(format!(
        "{head}{}/{name}{}",
        &rest[..authority_end],
        &rest[query_start..]
    ))
}

/// Drops a database made by [`create_scratch_database`], closing its other connections.
pub async fn drop_scratch_database(url: &str, name: &str) -> Result<(), DbError> {
    if !is_identifier(name) {
        return Err(DbError::Identifier(name.to_owned()));
    }
    let options = PgConnectOptions::from_str(url).map_err(|e| DbError::Url(e.to_string()))?;
    let mut admin = options.database("postgres").connect().await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(())
}

/// True when `error` says the database could not be reached or could not serve (connection
/// refused or lost, pool timeout, server shutting down, out of resources, serialization
/// conflicts): worth retrying later, never the fault of the data.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            // 08 connection exception, 53 insufficient resources, 57P admin/crash shutdown,
            // 40001/40P01 serialization failure and deadlock: all pass with time.
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                || code == "40001"
                || code == "40P01"
        }),
        _ => false,
    }
}

/// Analyzes those of `tables` (in the service's schema) whose rows changed by more than a tenth
/// since their last analysis, the rule autovacuum's analyzer follows. Bulk loads call it:
/// without current statistics the planner takes a just-filled table for a small one (and with
/// autovacuum off, as on some CI machines, statistics would never come); new statistics also
/// invalidate the cached plans made from the old ones.
pub async fn analyze_if_stale(pool: &PgPool, tables: &[&str]) -> Result<(), sqlx::Error> {
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_stat_user_tables
         WHERE schemaname = current_schema() AND relname = ANY($1)
           AND n_mod_since_analyze > 50 + n_live_tup / 10",
    )
    .bind(tables)
    .fetch_all(pool)
    .await?;
    for table in stale {
        // Names come from the catalogue, and only those the caller listed.
        sqlx::query(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
            .execute(pool)
            .await?;
        tracing::debug!(%table, "analyzed after a bulk change");
    }
    Ok(())
}

/// Autovacuum's two rules, applied by the service to its own schema: vacuums (and analyzes) a
/// table with more than a fifth dead rows, analyzes one with more than a tenth changed. Queue
/// tables (outbox, inbox) churn constantly; without vacuum their space is never reused and
/// without statistics their plans go stale. Where autovacuum runs, this rarely finds work.
pub async fn maintain(pool: &PgPool) -> Result<(), sqlx::Error> {
    let tables: Vec<(String, bool)> = sqlx::query_as(
        "SELECT relname::text, n_dead_tup > 1000 + n_live_tup / 5 FROM pg_stat_user_tables
         WHERE schemaname = current_schema()
           AND (n_dead_tup > 1000 + n_live_tup / 5 OR n_mod_since_analyze > 50 + n_live_tup / 10)",
    )
    .fetch_all(pool)
    .await?;
    for (table, dead) in tables {
        let table = table.replace('"', "\"\"");
        // Names come from the catalogue of the service's own schema.
        let statement = if dead {
            format!("VACUUM (ANALYZE) \"{table}\"")
        } else {
            format!("ANALYZE \"{table}\"")
        };
        sqlx::query(&statement).execute(pool).await?;
        tracing::debug!(%table, vacuumed = dead, "table maintained");
    }
    Ok(())
}

/// The gRPC status for a database failure: `UNAVAILABLE` (retry) when the database is out of
/// reach, else a masked `INTERNAL`.
pub fn status(error: &sqlx::Error) -> tonic::Status {
    if is_unavailable(error) {
        tracing::warn!(%error, "database unavailable");
        tonic::Status::unavailable("database unavailable, retry later")
    } else {
        crate::error::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_url_keeps_credentials_and_parameters() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "t1").unwrap(),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@db:5432/gatehouse?sslmode=require", "t2").unwrap(),
            "postgres://u:p@db:5432/t2?sslmode=require"
        );
        assert_eq!(
            with_database("postgres://db", "t3").unwrap(),
            "postgres://db/t3"
        );
        assert!(with_database("db:5432", "t4").is_err());
    }
}
