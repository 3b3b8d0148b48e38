//! Turning a step's approvers into people, from the directory read for the object's partner: a
//! role within the object's scope, a named user (only while they can see the object), the
//! partner's own channel manager, the manager of its region — then hand-overs while away.

use crate::access::{Role, RoleSide};
use crate::ids::UserId;

use super::flow::{Approver, Step};

/// An active user and their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    /// Who.
    pub id: UserId,
    /// Their role.
    pub role: Role,
}

/// An active channel manager whose territory covers the object's partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manager {
    /// Who.
    pub id: UserId,
    /// Assigned the partner itself (not through a region).
    pub direct: bool,
    /// For a region assignment, how deep the region is (1 = 大区, 2 = province, 3 = city).
    pub depth: usize,
}

/// Everyone who could approve one object: read once per step from the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    /// Active brand users other than channel managers (they see every partner).
    pub brand: Vec<Person>,
    /// Active users of the object's partner.
    pub partner: Vec<Person>,
    /// Channel managers covering the partner.
    pub managers: Vec<Manager>,
    /// Hand-overs in force now, for this kind of object: (away, stands in).
    pub delegations: Vec<(UserId, UserId)>,
}

/// The people one approver names, before hand-overs.
pub fn people(pool: &Pool, approver: &Approver) -> Vec<UserId> {
    match approver {
        Approver::Role { role: Role::ChannelManager } => pool.managers.iter().map(|m| m.id).collect(),
        Approver::Role { role } if role.side() == RoleSide::Partner => {
            pool.partner.iter().filter(|p| p.role == *role).map(|p| p.id).collect()
        }
        Approver::Role { role } => pool.brand.iter().filter(|p| p.role == *role).map(|p| p.id).collect(),
        Approver::User { user } => {
            let known = pool.brand.iter().chain(&pool.partner).any(|p| p.id == *user)
                || pool.managers.iter().any(|m| m.id == *user);
            if known { vec![*user] } else { Vec::new() }
        }
        Approver::ChannelManager => {
            let direct: Vec<UserId> = pool.managers.iter().filter(|m| m.direct).map(|m| m.id).collect();
            if !direct.is_empty() {
                return direct;
            }
            let deepest = pool.managers.iter().map(|m| m.depth).max();
            pool.managers.iter().filter(|m| Some(m.depth) == deepest).map(|m| m.id).collect()
        }
        Approver::RegionManager => {
            let regional = pool.managers.iter().filter(|m| !m.direct);
            let top = regional.clone().map(|m| m.depth).min();
            regional.filter(|m| Some(m.depth) == top).map(|m| m.id).collect()
        }
    }
}

/// Whether someone is among those who can see the object.
fn sees(pool: &Pool, who: UserId) -> bool {
    pool.brand.iter().chain(&pool.partner).any(|p| p.id == who) || pool.managers.iter().any(|m| m.id == who)
}

/// Per branch of a step, who may approve: each approver's people, hand-overs applied (one hop:
/// a stand-in's own absence is not followed), each person once.
pub fn resolve_step(pool: &Pool, step: &Step) -> Vec<Vec<UserId>> {
    step.branches
        .iter()
        .map(|branch| {
            let mut who: Vec<UserId> = Vec::new();
            for person in branch.approvers.iter().flat_map(|a| people(pool, a)) {
                // A stand-in who cannot see the object (another territory) is passed over.
                let person = pool
                    .delegations
                    .iter()
                    .find(|(away, stand_in)| *away == person && sees(pool, *stand_in))
                    .map_or(person, |(_, stand_in)| *stand_in);
                if !who.contains(&person) {
                    who.push(person);
                }
            }
            who
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::flow::{Branch, Mode};

    #[test]
    fn every_approver_kind_names_the_right_people() {
        let ids: Vec<UserId> = (0..8).map(|_| UserId::new()).collect();
        let pool = Pool {
            brand: vec![Person { id: ids[0], role: Role::Finance }, Person { id: ids[1], role: Role::BrandAdmin }],
            partner: vec![Person { id: ids[2], role: Role::PartnerAdmin }],
            managers: vec![
                Manager { id: ids[3], direct: false, depth: 1 },
                Manager { id: ids[4], direct: false, depth: 2 },
                Manager { id: ids[5], direct: true, depth: 0 },
            ],
            delegations: vec![(ids[0], ids[6])],
        };
        let outsider = Pool { delegations: vec![(ids[0], ids[7])], ..pool.clone() };
        assert_eq!(people(&pool, &Approver::Role { role: Role::Finance }), vec![ids[0]]);
        assert_eq!(people(&pool, &Approver::Role { role: Role::PartnerAdmin }), vec![ids[2]]);
        assert_eq!(people(&pool, &Approver::Role { role: Role::ChannelManager }), vec![ids[3], ids[4], ids[5]]);
        assert_eq!(people(&pool, &Approver::ChannelManager), vec![ids[5]], "the partner's own manager first");
        assert_eq!(people(&pool, &Approver::RegionManager), vec![ids[3]], "the broadest region's manager");
        assert_eq!(people(&pool, &Approver::User { user: ids[4] }), vec![ids[4]]);
        assert!(people(&pool, &Approver::User { user: ids[7] }).is_empty(), "a user who cannot see the partner");
        let regional_only = Pool { managers: pool.managers[..2].to_vec(), ..pool.clone() };
        assert_eq!(people(&regional_only, &Approver::ChannelManager), vec![ids[4]], "else the closest region");
        let step = Step {
            name: "财务".into(),
            branches: vec![Branch {
                approvers: vec![Approver::Role { role: Role::Finance }, Approver::User { user: ids[6] }],
                mode: Mode::Any,
            }],
            only_if: None,
            escalate_after_ms: None,
        };
        let with_stand_in = Pool {
            brand: [pool.brand.clone(), vec![Person { id: ids[6], role: Role::Finance }]].concat(),
            ..pool.clone()
        };
        assert_eq!(resolve_step(&with_stand_in, &step), vec![vec![ids[6]]], "handed over, and counted once");
        assert_eq!(
            resolve_step(&pool, &step),
            vec![vec![ids[0]]],
            "a stand-in who cannot see the object is passed over"
        );
        assert_eq!(resolve_step(&outsider, &step), vec![vec![ids[0]]]);
    }
}
