//! Generates the management API code from proto/bgpd.proto with protox, a pure-Rust
//! protobuf compiler, so building needs no system protoc.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/bgpd.proto");
    let fds = protox::compile(["proto/bgpd.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
