//! tests/it/<name>.rs modules → one integration-test binary (`cargo test --test it`): each module is one concern
//! (config, features, plan, build, run, …); `support` holds the helpers they share. A new test file is added
//! here with a `mod <name>;` line.

mod support;

mod build_engine;
mod config_conformance;
mod config_corpus;
mod config_errors;
mod config_fixtures;
mod config_git_root;
mod config_merged_reference;
mod config_model;
mod doctor_engine;
mod engine_images;
mod engine_second;
mod features_conformance;
mod features_engine;
mod features_metadata;
mod features_reference_cli;
mod features_resolve;
mod oci_corpus;
mod oci_login;
mod oci_plan;
mod oci_reference_cli;
mod oci_registry;
mod oci_up;
mod plan_build;
mod plan_fixtures;
mod plan_keys;
mod prebuild_interrupted;
mod prebuild_poisoning;
mod prebuild_registry;
mod pull_bases;
mod robust_concurrency;
mod robust_fuzz_corpus;
mod robust_gc;
mod robust_interrupt;
mod robust_invalid_fixtures;
mod robust_secrets_engine;
mod run_dotfiles;
mod run_engine;
mod run_entrypoint;
mod run_flags;
mod run_ports;
mod security_attacks;
mod security_user_injection;
mod structure;
mod templates_builtins;
mod templates_cli;
mod templates_default;
mod templates_engine;
mod templates_env;
mod verify_engine;
