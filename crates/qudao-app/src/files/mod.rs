//! Uploaded files: where their bytes live, and the checks on what comes in.

mod images;
mod pictures;
mod store;

pub use images::{CheckedImage, ImageKind, check_image};
pub use pictures::store_picture;
pub use store::{BoxFuture, FileStore, LocalDiskStore};
