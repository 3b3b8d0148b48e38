//! Portal pages: company.

use crate::registry::Route;

/// The routes.
pub const ROUTES: &[Route] = &[];
