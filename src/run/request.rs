//! Config + image + runtime policy → the exact `POST /containers/create` request (a pure function).

use super::{LABEL_CONFIG, LABEL_KEY, LABEL_MANAGED, LABEL_REMOTE_USER, LABEL_SSH_HOST, LABEL_WORKSPACE};
use super::{Result, RunError};
use crate::config::WorkspaceInfo;
use crate::config::model::{DevContainer, PortRef, id_labels};
use crate::engine::CreateRequest;
use crate::engine::containers::ContainerCreateBody;
use crate::policy::classify::{self, Class, Scope, Subject};
use crate::policy::run_args::{self, RunArgs};
use crate::policy::{Policy, PolicyError, mounts};
use bollard::models::{DeviceMapping, HostConfig, HostConfigCgroupnsModeEnum, Mount, MountType, PortBinding};
use std::collections::{BTreeMap, HashMap};

/// Seconds `docker stop` waits for systemd to shut down before it kills.
pub const STOP_TIMEOUT: i64 = 30;
/// systemd's shutdown signal.
pub const STOP_SIGNAL: &str = "SIGRTMIN+3";
/// The port sshd listens on inside.
pub const SSH_PORT: &str = "22/tcp";

/// Under plain runc the cgroup hierarchies are mounted read-only in a private cgroup namespace; systemd and
/// dockerd need them writable. The remount only touches the container's own mount namespace, then init runs as PID 1.
pub const RUNC_INIT: &str = "mount -o remount,rw /sys/fs/cgroup 2>/dev/null; for d in /sys/fs/cgroup/*; do [ -L \"$d\" ] || mount -o remount,bind,rw \"$d\" 2>/dev/null; done; exec /sbin/init";

/// Everything the request is made of.
#[derive(Debug, Clone)]
pub struct RequestInput<'a> {
    pub config: &'a DevContainer,
    pub workspace: &'a WorkspaceInfo,
    pub image: &'a str,
    pub image_key: &'a str,
    /// Container name (and, as a slug, its hostname).
    pub name: &'a str,
    pub remote_user: &'a str,
    pub policy: &'a Policy,
    /// Publish sshd's port.
    pub ssh: bool,
    /// `up --mount`: more mounts in the `--mount` form, checked as the config's are.
    pub extra_mounts: &'a [String],
    /// The `devcontainer.metadata` entries of the image (base image, features): their `capAdd` is applied.
    pub metadata: &'a [serde_json::Value],
    /// The egress proxy the sandbox is put behind: on its internal network only, with the proxy settings in
    /// its environment and its systemd's. `None`: open egress.
    pub egress: Option<&'a crate::egress::Attachment>,
}

fn publish(bindings: &mut HashMap<String, Option<Vec<PortBinding>>>, host: Option<&str>, container: &str) {
    let key = if container.contains('/') { container.to_string() } else { format!("{container}/tcp") };
    let binding = PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some(host.unwrap_or("").to_string()) };
    bindings.entry(key).or_insert_with(|| Some(Vec::new())).get_or_insert_with(Vec::new).push(binding);
}

fn port_bindings(
    config: &DevContainer,
    args: &RunArgs,
    ssh: bool,
) -> Result<HashMap<String, Option<Vec<PortBinding>>>> {
    let mut out = HashMap::new();
    if ssh {
        publish(&mut out, None, SSH_PORT);
    }
    let mut refs: Vec<PortRef> = config.app_port.as_ref().map(|a| a.to_vec()).unwrap_or_default();
    refs.extend(config.forward_ports.iter().flatten().cloned());
    for port in refs {
        let value = || match &port {
            PortRef::Number(p) => p.to_string(),
            PortRef::Label(text) => text.clone(),
        };
        let pair =
            super::ports::pair(&port).map_err(|reason| RunError::Invalid { what: "port", value: value(), reason })?;
        if let Some((host, container)) = pair {
            publish(&mut out, Some(&host.to_string()), &container.to_string());
        }
    }
    for spec in &args.publish {
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.as_slice() {
            [c] => publish(&mut out, None, c),
            [h, c] | [_, h, c] => publish(&mut out, Some(h), c),
            _ => {
                return Err(RunError::Invalid {
                    what: "port",
                    value: spec.clone(),
                    reason: "expected `[ip:]host:container`".into(),
                });
            }
        }
    }
    Ok(out)
}

fn device(spec: &str) -> DeviceMapping {
    let parts: Vec<&str> = spec.split(':').collect();
    let (host, inner, perms) = match parts.as_slice() {
        [h] => (*h, *h, "rwm"),
        [h, c] => (*h, *c, "rwm"),
        [h, c, p, ..] => (*h, *c, *p),
        [] => ("", "", "rwm"),
    };
    DeviceMapping {
        path_on_host: Some(host.into()),
        path_in_container: Some(inner.into()),
        cgroup_permissions: Some(perms.into()),
    }
}

/// The value with every object's keys sorted (the API types hold `HashMap`s), so equal requests hash equal.
fn canonical(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

fn some_vec<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// The parsed `runArgs`, every mount, and what of them the policy refuses (see [`crate::policy::classify`]).
fn checked_parts(input: &RequestInput) -> Result<(RunArgs, Vec<Mount>, Vec<String>)> {
    let args = run_args::parse(input.config.run_args.as_deref().unwrap_or(&[])).map_err(RunError::Policy)?;
    let user_mounts: Vec<Mount> =
        input.extra_mounts.iter().map(|m| mounts::parse_mount(m)).collect::<Result<_, PolicyError>>()?;
    let subject = Subject {
        config: input.config,
        workspace: input.workspace,
        run_args: &args,
        user_mounts: &user_mounts,
        metadata: input.metadata,
    };
    let refused = classify::classify(&subject, &Scope::of(input.workspace, &[]))?
        .into_iter()
        .filter(|f| f.class == Class::Refused)
        .map(|f| f.to_string())
        .collect();
    let mut all_mounts = Vec::new();
    if let Some(ws) = &input.workspace.workspace_mount {
        all_mounts.push(mounts::parse_mount(ws)?);
    }
    for entry in input.config.mounts.iter().flatten() {
        all_mounts.push(mounts::from_entry(entry)?);
    }
    all_mounts.extend(args.mounts.iter().cloned());
    all_mounts.extend(user_mounts);
    Ok((args, all_mounts, refused))
}

/// Builds the create request. Fails on unknown `runArgs`, bad mounts or ports, and on config that would
/// defeat the isolation (unless the policy allows it).
pub fn create_request(input: &RequestInput) -> Result<CreateRequest> {
    let config = input.config;
    let policy = input.policy;
    let (args, mut all_mounts, violations) = checked_parts(input)?;
    if !violations.is_empty() && !policy.allow_unsafe_config {
        return Err(PolicyError::Refused(violations).into());
    }

    let mut cap_add: Vec<String> = Vec::new();
    let asked = config.cap_add.iter().flatten().chain(&args.cap_add).cloned();
    for cap in asked.chain(classify::metadata_caps(input.metadata)) {
        if !cap_add.contains(&cap) {
            cap_add.push(cap);
        }
    }
    let mut security_opt: Vec<String> = config.security_opt.clone().unwrap_or_default();
    security_opt.extend(args.security_opt.iter().cloned());
    let mut tmpfs: HashMap<String, String> = args.tmpfs.iter().cloned().collect();
    let (entrypoint, cgroupns) = if policy.insecure_additions {
        for cap in ["SYS_ADMIN", "NET_ADMIN"] {
            if !cap_add.iter().any(|c| c == cap) {
                cap_add.push(cap.into());
            }
        }
        security_opt.push("seccomp=unconfined".into());
        security_opt.push("apparmor=unconfined".into());
        tmpfs.insert("/run".into(), "rw,nosuid,nodev,exec,mode=755".into());
        tmpfs.insert("/run/lock".into(), "rw,nosuid,nodev,noexec,mode=1777".into());
        // dockerd cannot put overlayfs on the container's own overlayfs: give /var/lib/docker a volume.
        if !all_mounts.iter().any(|m| m.target.as_deref() == Some("/var/lib/docker")) {
            all_mounts.push(Mount {
                typ: Some(MountType::VOLUME),
                target: Some("/var/lib/docker".into()),
                ..Default::default()
            });
        }
        (vec!["/bin/sh".to_string(), "-c".into(), RUNC_INIT.into()], Some(HostConfigCgroupnsModeEnum::PRIVATE))
    } else {
        (vec!["/sbin/init".to_string()], None)
    };

    // The repository's labels first: containai's own (which say whose container it is) always win.
    let mut labels: BTreeMap<String, String> = args.labels.iter().cloned().collect();
    labels.extend(id_labels(input.workspace));
    labels.insert(LABEL_MANAGED.into(), "true".into());
    labels.insert(LABEL_KEY.into(), input.image_key.into());
    labels.insert(LABEL_SSH_HOST.into(), super::names::ssh_host(input.name));
    labels.insert(LABEL_REMOTE_USER.into(), input.remote_user.into());
    labels.insert(LABEL_WORKSPACE.into(), input.workspace.workspace_folder.clone());

    let mut env: Vec<String> = config.container_env.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    env.extend(args.env.iter().cloned());
    env.push("container=docker".into());
    let mut network_mode = args.network.clone();
    if let Some(egress) = input.egress {
        if let Some(network) = &args.network {
            return Err(RunError::Invalid {
                what: "runArgs",
                value: format!("--network={network}"),
                reason: "the sandbox's only network is its egress network\nhint: remove `--network`;                          `customizations.containai.egress` lists the hosts it may reach"
                    .into(),
            });
        }
        // The proxy settings come last: `containerEnv` cannot point the sandbox elsewhere.
        env.extend(egress.env());
        network_mode = Some(egress.network.clone());
        all_mounts.push(Mount {
            typ: Some(MountType::BIND),
            source: Some(egress.systemd_dropin.display().to_string()),
            target: Some(crate::egress::DROPIN_TARGET.into()),
            read_only: Some(true),
            ..Default::default()
        });
        labels.insert(crate::egress::LABEL_MODE.into(), egress.policy.mode.as_str().into());
    }

    let bindings = port_bindings(config, &args, input.ssh)?;
    let exposed: Vec<String> = {
        let mut keys: Vec<String> = bindings.keys().cloned().collect();
        keys.sort();
        keys
    };

    let host_config = HostConfig {
        runtime: Some(policy.runtime.clone()),
        mounts: some_vec(all_mounts),
        port_bindings: (!bindings.is_empty()).then_some(bindings),
        cap_add: some_vec(cap_add),
        cap_drop: some_vec(args.cap_drop.clone()),
        security_opt: some_vec(security_opt),
        privileged: (config.privileged == Some(true) || args.privileged).then_some(true),
        cgroupns_mode: cgroupns,
        tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
        network_mode,
        pid_mode: args.pid.clone(),
        userns_mode: args.userns.clone(),
        ipc_mode: args.ipc.clone(),
        uts_mode: args.uts.clone(),
        extra_hosts: some_vec(args.add_hosts.clone()),
        dns: some_vec(args.dns.clone()),
        devices: some_vec(args.devices.iter().map(|d| device(d)).collect()),
        memory: args.memory,
        nano_cpus: args.nano_cpus,
        shm_size: args.shm_size,
        pids_limit: args.pids_limit,
        ulimits: some_vec(args.ulimits.clone()),
        sysctls: some_vec(args.sysctls.clone()).map(|s| s.into_iter().collect()),
        group_add: some_vec(args.group_add.clone()),
        readonly_rootfs: args.read_only.then_some(true),
        ..Default::default()
    };

    let hostname = args.hostname.clone().unwrap_or_else(|| super::names::slug(input.name, 63));
    let mut body = ContainerCreateBody {
        image: Some(input.image.into()),
        hostname: Some(hostname),
        user: Some("root".into()),
        env: Some(env),
        entrypoint: Some(entrypoint),
        cmd: Some(Vec::new()),
        working_dir: Some(input.workspace.workspace_folder.clone()),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        stop_signal: Some(STOP_SIGNAL.into()),
        stop_timeout: Some(STOP_TIMEOUT),
        host_config: Some(host_config),
        ..Default::default()
    };
    let fingerprint =
        blake3::hash(canonical(serde_json::to_value((&body, &labels)).unwrap_or_default()).to_string().as_bytes());
    labels.insert(LABEL_CONFIG.into(), fingerprint.to_hex()[..16].to_string());
    body.labels = Some(labels.into_iter().collect());
    Ok(CreateRequest { name: args.name.clone().unwrap_or_else(|| input.name.to_string()), body })
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
