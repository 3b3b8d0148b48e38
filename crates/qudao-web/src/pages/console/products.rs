//! Console pages: products.

use crate::registry::Route;

/// The routes.
pub const ROUTES: &[Route] = &[];
