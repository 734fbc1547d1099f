use super::*;

fn image(id: &str, parent: &str, tags: &[&str], parent_key: Option<&str>) -> ImageNode {
    let mut labels = BTreeMap::new();
    if let Some(k) = parent_key {
        labels.insert(LABEL_PARENT_KEY.to_string(), k.to_string());
    }
    ImageNode { id: id.into(), parent_id: parent.into(), tags: tags.iter().map(|t| t.to_string()).collect(), labels }
}

fn keys(layers: &[LayerUse]) -> Vec<&str> {
    layers.iter().map(|l| l.key.as_str()).collect()
}

/// base ← a ← (step) ← b ← c(named app:1); a ← d (unused); e alone (unused); f used by a container.
fn engine() -> (Vec<ImageNode>, Vec<ContainerNode>) {
    let images = vec![
        image("base", "", &["containai-cache:kbase"], None),
        image("a", "base", &["containai-cache:ka"], Some("kbase")),
        image("step", "a", &[], None),
        image("b", "step", &["containai-cache:kb"], Some("ka")),
        image("c", "b", &["containai-cache:kc", "app:1"], Some("kb")),
        image("d", "a", &["containai-cache:kd"], Some("ka")),
        image("d2", "d", &["containai-cache:kd2"], Some("kd")),
        image("e", "", &["containai-cache:ke"], None),
        image("f", "", &["containai-cache:kf"], None),
        image("dangling", "e", &["<none>:<none>"], None),
    ];
    (images, vec![ContainerNode { name: "web".into(), image_id: "f".into() }])
}

#[test]
fn ancestors_of_named_images_and_containers_stay_the_rest_goes_children_first() {
    let (images, containers) = engine();
    let plan = plan(&images, &containers, "");
    assert_eq!(keys(&plan.keep), ["ka", "kb", "kbase", "kc", "kf"]);
    assert_eq!(keys(&plan.remove), ["kd2", "kd", "ke"]);
    let why: HashMap<&str, &str> = plan.keep.iter().map(|l| (l.key.as_str(), l.used_by.as_deref().unwrap())).collect();
    assert_eq!(why["kbase"], "image `app:1`");
    assert_eq!(why["kf"], "container `web`");
}

#[test]
fn the_parent_key_label_keeps_a_parent_the_engine_does_not_link() {
    let images = vec![
        image("p", "", &["containai-cache:kp"], None),
        image("q", "", &["containai-cache:kq", "loaded:latest"], Some("kp")),
    ];
    let plan = plan(&images, &[], "");
    assert_eq!(keys(&plan.keep), ["kp", "kq"]);
    assert!(plan.remove.is_empty());
}

#[test]
fn the_key_prefix_limits_what_is_looked_at_but_not_what_counts_as_use() {
    let (images, containers) = engine();
    let plan = plan(&images, &containers, "kd");
    assert_eq!(keys(&plan.remove), ["kd2", "kd"]);
    assert!(plan.keep.is_empty());
    let none = super::plan(&images, &[], "ka");
    assert_eq!(keys(&none.keep), ["ka"]);
}

#[test]
fn a_parent_cycle_does_not_hang() {
    let images = vec![image("x", "y", &["containai-cache:kx"], None), image("y", "x", &["containai-cache:ky"], None)];
    let plan = plan(&images, &[], "");
    assert_eq!(plan.remove.len(), 2);
}

#[test]
fn pulled_layers_are_cache_layers_kept_by_their_children_and_removed_by_their_tag() {
    let from = crate::plan::model::pulled_repository("localhost:5000/team/cache");
    let tag = |key: &str| format!("{from}:{key}");
    let images = vec![
        image("p1", "", &[&tag("k1")], None),
        image("p2", "", &[&tag("k2")], Some("k1")),
        image("c", "", &[&tag("k3")], Some("k2")),
        image("lone", "", &[&tag("kl")], None),
        image("odd", "", &["containai-cache/from-nothex:kx"], None),
    ];
    let containers = [ContainerNode { name: "web".into(), image_id: "c".into() }];
    let plan = plan(&images, &containers, "");
    assert_eq!(keys(&plan.keep), ["k1", "k2", "k3"], "a pulled tag is no root, its children keep it");
    assert_eq!(keys(&plan.remove), ["kl"], "a tag outside containai's repositories is the user's name");
    assert_eq!(plan.remove[0].tag, tag("kl"));
    assert!(plan.keep.iter().all(|l| l.tag == tag(&l.key)));
}
