//! Compile-fail cases of `network!`: each `tests/ui/<category>/<mistake>.rs` must fail to
//! compile with exactly the `.stderr` beside it.
//!
//! Only compile-fail cases live here, so trybuild runs `cargo check` (fast on 2 cores); valid
//! networks are ordinary tests. To re-bless after changing a message or the compiler:
//! `TRYBUILD=overwrite cargo test --test ui`, then read the diff of every `.stderr`.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*/*.rs");
}
