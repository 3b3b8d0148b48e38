//! The context of one action: who asks, and where the request came from.

use qudao_domain::access::Permission;
use qudao_domain::ids::PartnerId;
use qudao_store::Caller;
use qudao_store::Scope;
use qudao_store::audit::AuditRecord;
use serde::Serialize;

use crate::{AppError, AppResult};

/// Who is acting and from where; every use case takes one.
#[derive(Debug, Clone)]
pub struct Ctx {
    caller: Caller,
    request_id: Option<String>,
    ip: Option<String>,
}

impl Ctx {
    /// The context of a request by `caller`.
    pub fn new(caller: Caller, request_id: Option<String>, ip: Option<String>) -> Ctx {
        Ctx { caller, request_id, ip }
    }

    /// The signed-in caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The caller's data scope, for transactions.
    pub fn scope(&self) -> Scope {
        Scope::of(&self.caller)
    }

    /// The request id, for logs and the audit trail.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The client address.
    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }

    /// Fails with [`AppError::Forbidden`] unless the caller may use `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.caller.may(permission) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// An audit record of a change by this caller.
    #[expect(clippy::too_many_arguments, reason = "each argument is one column of the audit row")]
    pub fn audit<B: Serialize, A: Serialize>(
        &self,
        now_ms: i64,
        object_kind: &'static str,
        object_id: impl ToString,
        action: &'static str,
        partner_id: Option<PartnerId>,
        before: Option<&B>,
        after: Option<&A>,
    ) -> AuditRecord {
        AuditRecord {
            actor_id: Some(self.caller.user_id()),
            actor_label: format!("{} ({})", self.caller.display_name(), self.caller.login()),
            partner_id,
            object_kind,
            object_id: object_id.to_string(),
            action,
            before: before.and_then(|b| serde_json::to_string(b).ok()),
            after: after.and_then(|a| serde_json::to_string(a).ok()),
            request_id: self.request_id.clone(),
            ip: self.ip.clone(),
            at_ms: now_ms,
        }
    }
}
