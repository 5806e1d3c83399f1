fn main() -> std::process::ExitCode {
    gatehouse_unit_alerts::main()
}
