//! An error whose cause is a broken connection to the engine (it stopped, restarted or crashed mid-command)
//! → the same error under a first line that says so, names the engine and tells what to do.

use bollard::errors::Error as BollardError;

/// Whether `err` comes from the engine's connection rather than from an answer of the engine.
fn is_transport(err: &BollardError) -> bool {
    matches!(
        err,
        BollardError::HyperResponseError { .. }
            | BollardError::HyperLegacyError { .. }
            | BollardError::IOError { .. }
            | BollardError::RequestTimeoutError
            | BollardError::SocketNotFoundError(_)
    )
}

/// Puts "lost the connection to the Docker engine" atop an error caused by a broken engine connection.
pub fn explain(err: anyhow::Error) -> anyhow::Error {
    let transport = err.chain().any(|cause| cause.downcast_ref::<BollardError>().is_some_and(is_transport));
    let already = err.chain().any(|cause| cause.to_string().starts_with("cannot reach the Docker engine"));
    if !transport || already {
        return err;
    }
    let endpoint = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    err.context(format!(
        "lost the connection to the Docker engine at `{endpoint}` (it stopped or restarted)\n\
         hint: once `docker info` answers again, run the command again: it goes on from what is already there"
    ))
}
