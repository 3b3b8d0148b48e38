//! Portal pages: catalog.

use crate::registry::Route;

/// The routes.
pub const ROUTES: &[Route] = &[];
