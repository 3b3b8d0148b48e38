//! Portal pages: users.

use crate::registry::Route;

/// The routes.
pub const ROUTES: &[Route] = &[];
