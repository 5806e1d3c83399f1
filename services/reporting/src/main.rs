fn main() -> std::process::ExitCode {
    gatehouse_reporting::main()
}
