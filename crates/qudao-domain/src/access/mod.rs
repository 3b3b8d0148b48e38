//! Who may do what: roles, permissions, data scopes and the password policy.
//!
//! Two questions are asked of every request. "May this role use this function?" is answered by
//! [`Role::permits`] (a 403 when not). "May this caller see this partner's data?" is answered by the
//! caller's [`DataScope`], which the store turns into SQL (a 404 when not, exactly like a missing
//! object). Both answers are decided here, in one place each.

mod password;
mod roles;
mod scope;

pub use password::{PasswordProblem, check_password};
pub use roles::{Permission, Role, RoleSide};
pub use scope::DataScope;
