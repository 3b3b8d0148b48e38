//! Paging parameters shared by list endpoints.

use qudao_store::page::{Cursor, MAX_LIMIT, PageRequest};
use serde::Deserialize;

use crate::error::WebError;

/// `limit` (1–200, default 50) and `after` (the `next` of the previous page).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// Rows wanted.
    pub limit: Option<u32>,
    /// The cursor to continue after.
    pub after: Option<String>,
}

impl ListQuery {
    /// The page request; a cursor we did not issue is a 400, not a silent first page.
    pub fn page(&self) -> Result<PageRequest, WebError> {
        let limit = self.limit.unwrap_or(50);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(WebError::BadQuery(format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        let after = match self.after.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(text) => {
                Some(Cursor::decode_any(text).ok_or_else(|| WebError::BadQuery("after is not a cursor".into()))?)
            }
        };
        Ok(PageRequest { limit, after })
    }
}
