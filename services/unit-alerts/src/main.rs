use gatehouse_platform::config::ServiceKind;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    gatehouse_platform::runtime::run_main(ServiceKind::UnitAlerts, gatehouse_unit_alerts::run)
        .await?;
    Ok(())
}
