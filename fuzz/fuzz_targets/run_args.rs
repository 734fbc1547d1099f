//! libFuzzer bytes → [`targets::run_args`]; the checks live in fuzz/common/targets.rs.
#![no_main]

#[path = "../common/targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::run_args(data));
