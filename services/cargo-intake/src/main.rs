use gatehouse_platform::config::ServiceKind;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    gatehouse_platform::runtime::run_main(ServiceKind::CargoIntake, gatehouse_cargo_intake::run)
        .await?;
    Ok(())
}
