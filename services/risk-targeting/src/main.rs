use gatehouse_platform::config::ServiceKind;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    gatehouse_platform::runtime::run_main(
        ServiceKind::RiskTargeting,
        gatehouse_risk_targeting::run,
    )
    .await?;
    Ok(())
}
