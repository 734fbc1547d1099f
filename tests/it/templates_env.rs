//! `--base-image` and `CONTAINAI_BASE_IMAGE` → the default config's base image (flag first). Alone in its test
//! binary because it sets an environment variable.

use containai::templates::{BASE_IMAGE_ENV, DefaultConfig};

#[test]
fn the_flag_wins_over_the_environment_variable() {
    // SAFETY: the only test of this binary; no other thread reads the environment meanwhile.
    unsafe { std::env::set_var(BASE_IMAGE_ENV, "from-env:1") };
    assert_eq!(DefaultConfig::with_base_image(None).base_image.as_deref(), Some("from-env:1"));
    assert_eq!(DefaultConfig::with_base_image(Some("flag:2".into())).base_image.as_deref(), Some("flag:2"));
    unsafe { std::env::set_var(BASE_IMAGE_ENV, "") };
    assert_eq!(DefaultConfig::with_base_image(None).base_image, None);
    unsafe { std::env::remove_var(BASE_IMAGE_ENV) };
    let config = DefaultConfig::with_base_image(None);
    assert_eq!((config.template.as_str(), config.base_image), ("agent-sandbox", None));
}
