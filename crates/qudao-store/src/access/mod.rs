//! Users, sessions, one-time tokens, API keys, sign-in attempts and channel managers' territories.

pub mod api_keys;
pub mod assignments;
pub mod login_attempts;
pub mod sessions;
pub mod tokens;
pub mod users;

use qudao_domain::access::{DataScope, Role, RoleSide};
use qudao_domain::ids::{PartnerId, UserId};

/// The data scope a user's role gives, decided here once for sessions and API keys alike.
pub(crate) fn data_scope_for(
    user_id: UserId,
    role: Role,
    partner_id: Option<PartnerId>,
    sub_dealers_visible: bool,
) -> Option<DataScope> {
    match (role.side(), role, partner_id) {
        (RoleSide::Partner, _, Some(partner_id)) => {
            Some(DataScope::Partner { partner_id, with_sub_dealers: sub_dealers_visible })
        }
        // A partner role without a partner is refused rather than given a wider scope.
        (RoleSide::Partner, _, None) => None,
        (RoleSide::Brand, Role::ChannelManager, _) => Some(DataScope::Assigned { user_id }),
        (RoleSide::Brand, _, _) => Some(DataScope::AllPartners),
    }
}
