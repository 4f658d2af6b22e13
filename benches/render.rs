//! Times the 24 standard views at 512×384 on one core (release):
//! `cargo bench --bench render`. Placeholder until the examples land; replaced below.
fn main() {}
