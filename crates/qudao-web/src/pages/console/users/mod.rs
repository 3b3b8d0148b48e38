//! Console pages for users: the list, invitations, a user's page with its actions and a channel
//! manager's territory. The portal's user pages reuse the role choices and the one-time link page.

pub(crate) mod invite;
pub(crate) mod link;
pub(crate) mod list;
pub(crate) mod manage;

use qudao_domain::access::{Permission, Role};

use crate::i18n::{self, Lang};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};

/// One choice of a role select.
#[derive(Debug, Clone)]
pub(crate) struct RoleOption {
    /// The role's stored name.
    pub value: &'static str,
    /// Its label in the page's language.
    pub label: &'static str,
}

/// The roles `granter` may give, in the order of [`Role::ALL`]: selects offer nothing the use
/// case would refuse.
pub(crate) fn grantable_roles(lang: Lang, granter: Role) -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .filter(|role| granter.may_grant(*role))
        .map(|role| RoleOption { value: role.as_str(), label: role_label(lang, role) })
        .collect()
}

/// A role's name in `lang`.
pub(crate) fn role_label(lang: Lang, role: Role) -> &'static str {
    i18n::t(lang, &format!("role.{}", role.as_str()))
}

const USER: &[(&str, ObjectKind)] = &[("id", ObjectKind::User)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/console/users", Permission::UsersRead, "Users within scope", |v| on(v, list::list_users)),
    Route::page(Verb::Get, "/console/users/new", Permission::UsersManage, "The invitation form", |v| {
        on(v, invite::new_user)
    }),
    Route::page(Verb::Post, "/console/users", Permission::UsersManage, "Invite a user; shows the link once", |v| {
        on(v, invite::invite_user)
    })
    .effect(Effect::Create)
    .form(&[
        ("login", "page.invitee"),
        ("display_name", "页面受邀人"),
        ("email", ""),
        ("phone", ""),
        ("role", "finance"),
        ("partner", ""),
    ]),
    Route::page(Verb::Get, "/console/users/{id}", Permission::UsersRead, "A user, their actions and territory", |v| {
        on(v, manage::show_user)
    })
    .params(USER),
    Route::page(Verb::Post, "/console/users/{id}/suspend", Permission::UsersManage, "Suspend a user", |v| {
        on(v, manage::suspend_user)
    })
    .params(USER)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/console/users/{id}/reactivate", Permission::UsersManage, "Lift a suspension", |v| {
        on(v, manage::reactivate_user)
    })
    .params(USER)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/users/{id}/reset-password",
        Permission::UsersManage,
        "Make a password-reset link; shows it once",
        |v| on(v, manage::reset_password),
    )
    .params(USER)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/console/users/{id}/role", Permission::UsersManage, "Change a user's role", |v| {
        on(v, manage::change_role)
    })
    .params(USER)
    .effect(Effect::Change)
    .form(&[("role", "marketing"), ("partner", "")]),
    Route::page(
        Verb::Post,
        "/console/users/{id}/assignments",
        Permission::AssignmentsManage,
        "Set a channel manager's territory",
        |v| on(v, manage::set_assignments),
    )
    .params(USER)
    .effect(Effect::Change)
    .form(&[("regions", "CN-SH"), ("partners", "")]),
];
