//! Unit tests of the install order on hand-made graphs (no files).

use super::*;
use serde_json::json;

fn local(name: &str) -> Node {
    Node::new(&format!("./{name}"), SourceId::Local(format!("/c/{name}").into()), json!({}))
}

fn builtin(id: &str) -> Node {
    let mut node = Node::new(&format!("containai/{id}"), SourceId::Builtin(id.into()), json!({}));
    node.aliases = vec![id.to_string()];
    node
}

fn soft(name: &str) -> SourceId {
    SourceId::Local(format!("/c/{name}").into())
}

fn names(nodes: &[Node]) -> Vec<String> {
    install_order(nodes).unwrap().into_iter().map(|i| nodes[i].reference.clone()).collect()
}

#[test]
fn without_edges_one_round_sorted_by_path() {
    let nodes = vec![local("c"), local("a"), local("B")];
    assert_eq!(names(&nodes), ["./a", "./B", "./c"]);
}

#[test]
fn hard_dependencies_come_first_in_rounds() {
    // a → b → c ; d free: round 1 = {c, d}, round 2 = {b}, round 3 = {a}.
    let mut nodes = vec![local("a"), local("b"), local("c"), local("d")];
    nodes[0].depends_on = vec![1];
    nodes[1].depends_on = vec![2];
    assert_eq!(names(&nodes), ["./c", "./d", "./b", "./a"]);
}

#[test]
fn soft_dependencies_only_among_present_features() {
    let mut nodes = vec![local("a"), local("b")];
    nodes[0].installs_after = vec![soft("b"), soft("absent")];
    assert_eq!(names(&nodes), ["./b", "./a"]);
    nodes[0].installs_after = vec![soft("absent")];
    assert_eq!(names(&nodes), ["./a", "./b"]);
}

#[test]
fn soft_dependency_matches_legacy_ids_of_builtins() {
    let mut nodes = vec![builtin("a"), builtin("renamed")];
    nodes[1].aliases.push("old".into());
    nodes[0].installs_after = vec![SourceId::Builtin("old".into())];
    assert_eq!(names(&nodes), ["containai/renamed", "containai/a"]);
}

#[test]
fn override_priorities_pull_features_forward_per_round() {
    let mut nodes = vec![local("a"), local("b"), local("c")];
    let entries = [("./c".to_string(), soft("c")), ("./b".to_string(), soft("b"))];
    apply_override(&mut nodes, &entries).unwrap();
    assert_eq!((nodes[2].priority, nodes[1].priority, nodes[0].priority), (2, 1, 0));
    assert_eq!(names(&nodes), ["./c", "./b", "./a"]);
}

#[test]
fn override_cannot_pull_a_feature_before_its_dependencies() {
    // b depends on a; override wants b first: a still installs before b.
    let mut nodes = vec![local("a"), local("b"), local("c")];
    nodes[1].depends_on = vec![0];
    apply_override(&mut nodes, &[("./b".into(), soft("b"))]).unwrap();
    assert_eq!(names(&nodes), ["./a", "./c", "./b"]);
}

#[test]
fn override_priority_is_not_transitive_as_in_the_reference() {
    // devcontainers/cli#1200: `use` depends on `common`; override [use, remove]. Round 1 candidates are
    // common (0) and remove (1): remove wins the round, then common, then use.
    let mut nodes = vec![local("use"), local("remove"), local("common")];
    nodes[0].depends_on = vec![2];
    let entries = [("./use".to_string(), soft("use")), ("./remove".to_string(), soft("remove"))];
    apply_override(&mut nodes, &entries).unwrap();
    assert_eq!(names(&nodes), ["./remove", "./common", "./use"]);
}

#[test]
fn override_naming_an_absent_feature_is_an_error() {
    let mut nodes = vec![local("a")];
    let err = apply_override(&mut nodes, &[("./zzz".into(), soft("zzz"))]).unwrap_err().to_string();
    assert!(err.contains("`./zzz`") && err.contains("overrideFeatureInstallOrder"), "{err}");
}

#[test]
fn a_cycle_is_named() {
    let mut nodes = vec![local("free"), local("a"), local("b"), local("c")];
    nodes[1].depends_on = vec![2];
    nodes[2].depends_on = vec![3];
    nodes[3].installs_after = vec![soft("a")];
    let err = install_order(&nodes).unwrap_err();
    let FeatureError::Cycle { cycle } = &err else { panic!("{err}") };
    assert_eq!(cycle, &["./a", "./b", "./c", "./a"]);
    assert!(err.to_string().contains("`./a` → `./b` → `./c` → `./a`"), "{err}");
}

#[test]
fn a_self_dependency_is_a_cycle() {
    let mut nodes = vec![local("a")];
    nodes[0].installs_after = vec![soft("a")];
    let err = install_order(&nodes).unwrap_err();
    assert!(matches!(err, FeatureError::Cycle { ref cycle } if cycle == &["./a", "./a"]), "{err}");
}

#[test]
fn same_feature_with_different_options_ties_by_options() {
    let mut small = local("x");
    small.user_options = json!({"v": "1"});
    small.options.insert("v".into(), json!("1"));
    let mut big = local("x");
    big.user_options = json!({"v": "1", "w": true});
    big.options.insert("w".into(), json!(true));
    let mut other = local("x");
    other.user_options = json!({"v": "0"});
    other.options.insert("v".into(), json!("0"));
    let nodes = vec![big, small, other];
    let order = install_order(&nodes).unwrap();
    assert_eq!(order, [2, 1, 0]);
}

#[test]
fn different_kinds_tie_by_reference() {
    let nodes = vec![builtin("sshd"), local("zz"), builtin("dockerd")];
    assert_eq!(names(&nodes), ["./zz", "containai/dockerd", "containai/sshd"]);
}

#[test]
fn diamond_installs_shared_dependency_once_first() {
    // a → {b, c} → d
    let mut nodes = vec![local("a"), local("b"), local("c"), local("d")];
    nodes[0].depends_on = vec![1, 2];
    nodes[1].depends_on = vec![3];
    nodes[2].depends_on = vec![3];
    assert_eq!(names(&nodes), ["./d", "./b", "./c", "./a"]);
}
