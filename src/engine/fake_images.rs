//! Recording fake of [`super::ImageEngine`] for unit tests: scripted images in, recorded calls out.
