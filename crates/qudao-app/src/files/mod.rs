//! Uploaded files: where their bytes live, and the checks on what comes in.

mod images;
mod store;

pub use images::{CheckedImage, ImageKind, check_image};
pub use store::{BoxFuture, FileStore, LocalDiskStore};
