//! libFuzzer bytes → [`targets::lockfile`]; the checks live in fuzz/common/targets.rs.
#![no_main]

#[path = "../common/targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::lockfile(data));
