//! Portal pages: home.

use crate::registry::Route;

/// The routes.
pub const ROUTES: &[Route] = &[];
