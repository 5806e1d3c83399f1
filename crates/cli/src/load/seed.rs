//! `gatehouse load seed`: the document watchlist, the active passenger rules and the active cargo
//! rules the load runs against. Idempotent: a second run adds nothing and changes nothing.

use anyhow::{Context, Result, bail};
use futures::{StreamExt, TryStreamExt};
use gatehouse_platform::auth::Role;
use gatehouse_proto::v1::{
    AddWatchlistEntriesRequest, CreateRuleRequest, CreateWatchlistRequest, DocumentType, Domain,
    GetRuleRequest, Rule, RuleStatus, SetRuleStatusRequest, Severity, UpdateRuleRequest, Watchlist,
    WatchlistDocument, WatchlistEntry, WatchlistKind,
    risk_targeting_service_client::RiskTargetingServiceClient,
};
use indicatif::{ProgressBar, ProgressStyle};
use tonic::Code;

use super::{
    Platform,
    generator::listed_document,
    rules::{self, RuleSpec, cargo::CARGO_TRIGGERS},
};
use crate::client::{self, AuthChannel};

/// Name the load's watchlist is found by.
pub const WATCHLIST_NAME: &str = "Load test: stolen and lost travel documents";
/// Most entries per AddWatchlistEntries call (the service's limit).
pub const MAX_ENTRIES_PER_CALL: u64 = 10_000;
/// Rule RPCs in flight at once while seeding.
const RULE_CONCURRENCY: usize = 8;

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    /// Listed documents wanted in the watchlist.
    pub documents: u64,
    /// Active rules wanted (trigger rules included).
    pub rules: usize,
    pub progress: bool,
}

/// What seeding found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SeedSummary {
    pub watchlist_id: String,
    /// Entries of the watchlist after seeding.
    pub documents: u64,
    pub documents_added: u64,
    pub rules: usize,
    pub rules_created: usize,
    pub rules_updated: usize,
    pub rules_activated: usize,
    /// Active cargo rules (the whole cargo catalogue, triggers included).
    pub cargo_rules: usize,
    /// Cargo rules created, updated or activated by this seeding.
    pub cargo_rules_changed: usize,
}

pub type Targeting = RiskTargetingServiceClient<AuthChannel>;

pub async fn targeting(platform: &Platform) -> Result<Targeting> {
    let token = platform
        .tokens
        .mint("load-analyst", "load", &[Role::Analyst], &[])?;
    Ok(RiskTargetingServiceClient::new(
        client::connect_authed(&platform.urls.risk_targeting_url, &token)
            .await
            .context("risk-targeting")?,
    ))
}

/// The load's watchlist, if it exists.
pub async fn find_watchlist(targeting: &mut Targeting) -> Result<Option<Watchlist>> {
    client::find_document_watchlist(targeting, WATCHLIST_NAME).await
}

fn progress_bar(show: bool, length: u64, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{what} [{{bar:40}}] {{pos}}/{{len}} ({{per_sec}}, {{eta}} left)"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The watchlist entry of listed document `index`.
fn entry(index: u64) -> WatchlistEntry {
    let document = listed_document(index);
    let (reason, severity) = match index % 4 {
        0 | 1 => ("reported stolen (SLTD)", Severity::High),
        2 => ("reported lost", Severity::Medium),
        _ => ("revoked by the issuing authority", Severity::Medium),
    };
    WatchlistEntry {
        external_ref: format!("LOAD-SLTD-{index:07}"),
        documents: vec![WatchlistDocument {
            r#type: DocumentType::Passport as i32,
            number: document.number,
            issuing_country: document.country.code.to_owned(),
        }],
        reason: reason.to_owned(),
        severity: severity as i32,
        ..Default::default()
    }
}

pub async fn seed(platform: &Platform, plan: &SeedPlan) -> Result<SeedSummary> {
    let mut targeting = targeting(platform).await?;
    let mut summary = SeedSummary::default();
    seed_watchlist(&mut targeting, plan, &mut summary).await?;
    seed_rules(&targeting, plan, &mut summary).await?;
    seed_cargo_rules(&targeting, plan, &mut summary).await?;
    Ok(summary)
}

async fn seed_watchlist(
    targeting: &mut Targeting,
    plan: &SeedPlan,
    summary: &mut SeedSummary,
) -> Result<()> {
    let watchlist = match find_watchlist(targeting).await? {
        Some(watchlist) => watchlist,
        None => targeting
            .create_watchlist(CreateWatchlistRequest {
                name: WATCHLIST_NAME.to_owned(),
                kind: WatchlistKind::Documents as i32,
                description: "Synthetic stolen, lost and revoked passports of `gatehouse load`"
                    .to_owned(),
                source: "gatehouse load".to_owned(),
            })
            .await
            .map_err(client::rpc_error("CreateWatchlist"))?
            .into_inner()
            .watchlist
            .context("CreateWatchlist answered without a watchlist")?,
    };
    summary.watchlist_id.clone_from(&watchlist.id);
    // Entries are only ever added in index order, so the count says which exist.
    let mut next = u64::try_from(watchlist.entry_count).unwrap_or_default();
    let bar = progress_bar(plan.progress, plan.documents, "documents");
    bar.set_position(next.min(plan.documents));
    while next < plan.documents {
        let end = (next + MAX_ENTRIES_PER_CALL).min(plan.documents);
        let response = targeting
            .add_watchlist_entries(AddWatchlistEntriesRequest {
                watchlist_id: watchlist.id.clone(),
                entries: (next..end).map(entry).collect(),
                // The range names the call: retrying it after a timeout adds nothing twice.
                message_id: format!("load-sltd-{next}-{end}"),
            })
            .await
            .map_err(client::rpc_error("AddWatchlistEntries"))?
            .into_inner();
        summary.documents_added += u64::try_from(response.added).unwrap_or_default();
        next = end;
        bar.set_position(next);
    }
    bar.finish_and_clear();
    summary.documents = next;
    Ok(())
}

async fn seed_cargo_rules(
    targeting: &Targeting,
    plan: &SeedPlan,
    summary: &mut SeedSummary,
) -> Result<()> {
    let changes = activate_all(
        targeting,
        rules::cargo::cargo_catalogue(),
        Domain::Cargo,
        plan.progress,
    )
    .await?;
    summary.cargo_rules = changes.len();
    summary.cargo_rules_changed = changes
        .iter()
        .filter(|c| **c != RuleChange::Unchanged)
        .count();
    Ok(())
}

/// Makes every rule of `catalogue` (of `domain`) active, a few at a time.
async fn activate_all(
    targeting: &Targeting,
    catalogue: Vec<RuleSpec>,
    domain: Domain,
    progress: bool,
) -> Result<Vec<RuleChange>> {
    let label = match domain {
        Domain::Cargo => "cargo    ",
        _ => "rules    ",
    };
    let bar = progress_bar(progress, catalogue.len() as u64, label);
    let changes: Vec<RuleChange> = futures::stream::iter(catalogue.into_iter().map(|spec| {
        let mut targeting = targeting.clone();
        let bar = bar.clone();
        async move {
            let change = ensure_active(&mut targeting, &spec, domain)
                .await
                .with_context(|| format!("rule {}", spec.rule_id))?;
            bar.inc(1);
            Ok::<_, anyhow::Error>(change)
        }
    }))
    .buffer_unordered(RULE_CONCURRENCY)
    .try_collect()
    .await?;
    bar.finish_and_clear();
    Ok(changes)
}

/// What seeding did to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleChange {
    Created,
    Updated,
    Activated,
    Unchanged,
}

async fn seed_rules(
    targeting: &Targeting,
    plan: &SeedPlan,
    summary: &mut SeedSummary,
) -> Result<()> {
    let catalogue = rules::catalogue(plan.rules);
    if catalogue.len() < plan.rules {
        bail!(
            "at most {} distinct rules are available (asked for {})",
            rules::available(),
            plan.rules
        );
    }
    let changes = activate_all(targeting, catalogue, Domain::Passenger, plan.progress).await?;
    summary.rules = changes.len();
    for change in changes {
        match change {
            RuleChange::Created => summary.rules_created += 1,
            RuleChange::Updated => summary.rules_updated += 1,
            RuleChange::Activated => summary.rules_activated += 1,
            RuleChange::Unchanged => {}
        }
    }
    Ok(())
}

/// Makes `spec` the active version of its rule: creates it, or makes a new version when the
/// stored one says something else, and activates it unless it already is.
async fn ensure_active(
    targeting: &mut Targeting,
    spec: &RuleSpec,
    domain: Domain,
) -> Result<RuleChange> {
    let created = targeting
        .create_rule(CreateRuleRequest {
            rule_id: spec.rule_id.clone(),
            name: spec.name.clone(),
            description: "Seeded by `gatehouse load seed`".to_owned(),
            domain: domain as i32,
            expression: spec.expression.clone(),
            weight: spec.weight,
            severity: spec.severity as i32,
            ..Default::default()
        })
        .await;
    let (rule, mut change) = match created {
        Ok(response) => (
            response
                .into_inner()
                .rule
                .context("CreateRule answered without a rule")?,
            RuleChange::Created,
        ),
        Err(status) if status.code() == Code::AlreadyExists => {
            let latest = latest_rule(targeting, &spec.rule_id).await?;
            if latest.expression == spec.expression {
                (latest, RuleChange::Unchanged)
            } else {
                let updated = targeting
                    .update_rule(UpdateRuleRequest {
                        rule_id: spec.rule_id.clone(),
                        name: spec.name.clone(),
                        description: "Seeded by `gatehouse load seed`".to_owned(),
                        expression: spec.expression.clone(),
                        weight: spec.weight,
                        severity: spec.severity as i32,
                        reason: "gatehouse load seed: catalogue changed".to_owned(),
                        ..Default::default()
                    })
                    .await
                    .map_err(client::rpc_error("UpdateRule"))?
                    .into_inner()
                    .rule
                    .context("UpdateRule answered without a rule")?;
                (updated, RuleChange::Updated)
            }
        }
        Err(status) => return Err(client::rpc_error("CreateRule")(status)),
    };
    if rule.status != RuleStatus::Active as i32 {
        targeting
            .set_rule_status(SetRuleStatusRequest {
                rule_id: rule.rule_id.clone(),
                version: rule.version,
                status: RuleStatus::Active as i32,
                reason: "gatehouse load seed".to_owned(),
            })
            .await
            .map_err(client::rpc_error("SetRuleStatus"))?;
        if change == RuleChange::Unchanged {
            change = RuleChange::Activated;
        }
    }
    Ok(change)
}

pub async fn latest_rule(targeting: &mut Targeting, rule_id: &str) -> Result<Rule> {
    targeting
        .get_rule(GetRuleRequest {
            rule_id: rule_id.to_owned(),
            version: 0,
        })
        .await
        .map_err(client::rpc_error("GetRule"))?
        .into_inner()
        .rule
        .context("GetRule answered without a rule")
}

/// Fails unless every trigger rule is active with the catalogue's expression: rule hits would
/// otherwise be expected and never come.
pub async fn check_trigger_rules(targeting: &mut Targeting) -> Result<()> {
    check_rules(targeting, rules::TRIGGERS.iter().map(|t| t.rule())).await
}

/// As [`check_trigger_rules`], for the cargo trigger rules.
pub async fn check_cargo_trigger_rules(targeting: &mut Targeting) -> Result<()> {
    check_rules(targeting, CARGO_TRIGGERS.iter().map(|t| t.rule())).await
}

async fn check_rules(
    targeting: &mut Targeting,
    specs: impl Iterator<Item = RuleSpec>,
) -> Result<()> {
    for spec in specs {
        let rule = match targeting
            .get_rule(GetRuleRequest {
                rule_id: spec.rule_id.clone(),
                version: 0,
            })
            .await
        {
            Ok(response) => response.into_inner().rule,
            Err(status) if status.code() == Code::NotFound => None,
            Err(status) => return Err(client::rpc_error("GetRule")(status)),
        };
        match rule {
            Some(rule)
                if rule.status == RuleStatus::Active as i32
                    && rule.expression == spec.expression => {}
            _ => bail!(
                "rule {} is not active as the load expects: run `gatehouse load seed` (or pass --rule-hit-rate 0)",
                spec.rule_id
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::documents::is_listed_form;

    #[test]
    fn entries_list_one_passport_each_with_a_stable_reference() {
        let e = entry(12);
        assert_eq!(e.external_ref, "LOAD-SLTD-0000012");
        assert_eq!(e.documents.len(), 1);
        assert!(is_listed_form(&e.documents[0].number));
        assert_eq!(e.documents[0].number, entry(12).documents[0].number);
        assert_ne!(e.documents[0].number, entry(13).documents[0].number);
        assert!(e.names.is_empty(), "document lists carry no names");
    }
}
