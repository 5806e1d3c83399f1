fn main() -> std::process::ExitCode {
    gatehouse_risk_targeting::main()
}
