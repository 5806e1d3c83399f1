fn main() -> std::process::ExitCode {
    gatehouse_cargo_intake::main()
}
