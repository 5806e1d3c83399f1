fn main() -> std::process::ExitCode {
    gatehouse_passenger_intake::main()
}
