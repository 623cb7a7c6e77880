//! Compile-fail cases of `network!`: each `tests/ui/<category>/<mistake>.rs` must fail to
//! compile with exactly the `.stderr` beside it.
//!
//! Only compile-fail cases live here, so trybuild runs `cargo check` (fast on 2 cores); valid
//! networks are ordinary tests. The cases in `compose/` (and the second error of
//! `fallback/stand-in-is-a-real-type.rs`) are rustc's own messages and may change with the
//! compiler; the others are the macro's and change only with it.
//!
//! To re-bless after changing a message or the compiler:
//! `TRYBUILD=overwrite cargo test --test ui`, then review `git diff tests/ui` (every `.stderr`).
//! One case: `cargo test --test ui -- trybuild=zero-width.rs`.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/**/*.rs");
}
