use gatehouse_platform::config::ServiceKind;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    gatehouse_platform::runtime::run_main(
        ServiceKind::PassengerIntake,
        gatehouse_passenger_intake::run,
    )
    .await?;
    Ok(())
}
