//! A [`crate::plan::BuildPlan`] → images in the engine, building only the layers whose key is not an image yet.
