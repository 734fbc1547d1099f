//! Recording fake of [`super::ContainerEngine`] for unit tests: scripted containers in, recorded calls out.
