//! Juxuan's election rules: plain Rust, no I/O, no async, no framework types.
//!
//! # Layout
//! Empty for now: the rules (rule profiles, identity numbers, nominations, eligibility,
//! counting) arrive with the next piece of work. Services call this crate and store what it
//! returns; they never re-decide what it decides.
