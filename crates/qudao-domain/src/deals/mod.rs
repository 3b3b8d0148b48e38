//! Deal registration (客户报备), lead routing and opportunities: who found a customer first, whether
//! two registrations are one company, which partner a lead goes to.

pub mod conflicts;
pub mod evaluation;
pub mod industries;
pub mod keys;
pub mod lead;
pub mod matcher;
pub mod names;
pub mod pipeline;
pub mod places;
pub mod registration;
pub mod routing;
