//! Generated Rust for the `gatehouse.v1` contracts in `proto/`.

#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
pub mod v1 {
    tonic::include_proto!("gatehouse.v1");
}

/// Encoded `FileDescriptorSet` of every `gatehouse.v1` file, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/gatehouse_descriptor.bin"));
