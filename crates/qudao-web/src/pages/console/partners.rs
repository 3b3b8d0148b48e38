//! Console pages: partners.

use crate::registry::Route;

/// The routes.
pub const ROUTES: &[Route] = &[];
