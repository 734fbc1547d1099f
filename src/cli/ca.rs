//! `--ca-certificate FILE` arguments + the user config's `caCertificates`/`hostCaCertificates` → the CA
//! certificates builds and containers trust (never the repository's config).

use containai::plan::ca::CaCertificates;
use containai::user_config::UserConfig;
use std::path::PathBuf;

/// CA certificates to trust, beyond the user config's.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CaArgs {
    /// A PEM file of CA certificates that builds and the container trust (repeatable; added to the user
    /// config's `caCertificates`).
    #[arg(long = "ca-certificate", value_name = "FILE")]
    pub ca_certificate: Vec<PathBuf>,
}

impl CaArgs {
    /// The user config's certificates (the host's first when `hostCaCertificates`), then the command line's.
    pub fn certificates(&self) -> anyhow::Result<CaCertificates> {
        let config = UserConfig::load()?;
        let mut paths = config.ca_certificates.clone();
        paths.extend(self.ca_certificate.iter().cloned());
        Ok(CaCertificates::read(&paths, config.host_ca_certificates)?)
    }
}
