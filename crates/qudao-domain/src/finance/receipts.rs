//! How a receipt is allocated to the orders a partner owes on.
//!
//! Money a partner pays settles its credit orders — the oldest due first, unless finance names
//! the orders and amounts by hand — and what is left over is kept as the partner's prepaid
//! balance, which later orders can be paid from. An allocation never exceeds what an order
//! still owes, so a hand allocation larger than what is open is refused, not silently moved.

use crate::FieldError;
use crate::ids::OrderId;

/// An order the partner still owes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOrder {
    /// The order.
    pub id: OrderId,
    /// When it falls due (epoch ms); orders are settled in this order, oldest first.
    pub due_ms: i64,
    /// What it still owes, fen (positive).
    pub open: i64,
}

/// An amount of a receipt set against one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// The order.
    pub order: OrderId,
    /// Fen.
    pub amount: i64,
}

/// Where a receipt goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptPlan {
    /// Set against orders.
    pub allocations: Vec<Allocation>,
    /// Kept as prepaid balance.
    pub prepaid: i64,
}

impl ReceiptPlan {
    /// The part that settles orders.
    pub fn allocated(&self) -> i64 {
        self.allocations.iter().map(|a| a.amount).sum()
    }
}

/// Plans a receipt of `amount` fen against `open` orders: by hand when `by_hand` names orders
/// (each at most what it owes, together at most the receipt), otherwise oldest due first. The
/// remainder is prepaid. Errors name the field (`amount`, `allocations[2].amount`…).
pub fn plan_receipt(
    amount: i64,
    open: &[OpenOrder],
    by_hand: Option<&[Allocation]>,
) -> Result<ReceiptPlan, FieldError> {
    if amount <= 0 {
        return Err(FieldError::new("amount", "must_be_positive"));
    }
    let allocations = match by_hand {
        Some(wanted) => {
            let mut taken: Vec<Allocation> = Vec::with_capacity(wanted.len());
            for (index, want) in wanted.iter().enumerate() {
                let field = |name: &str| format!("allocations[{index}].{name}");
                if want.amount <= 0 {
                    return Err(FieldError::new(field("amount"), "must_be_positive"));
                }
                if taken.iter().any(|t| t.order == want.order) {
                    return Err(FieldError::new(field("order_id"), "duplicate"));
                }
                let Some(order) = open.iter().find(|o| o.id == want.order) else {
                    return Err(FieldError::new(field("order_id"), "nothing_open"));
                };
                if want.amount > order.open {
                    return Err(FieldError::with_param(field("amount"), "over_open", order.open));
                }
                taken.push(*want);
            }
            let total: i64 = taken.iter().map(|a| a.amount).sum();
            if total > amount {
                return Err(FieldError::with_param("allocations", "over_receipt", amount));
            }
            taken
        }
        None => {
            let mut by_due: Vec<&OpenOrder> = open.iter().filter(|o| o.open > 0).collect();
            by_due.sort_by_key(|o| (o.due_ms, o.id));
            let mut left = amount;
            let mut taken = Vec::new();
            for order in by_due {
                if left == 0 {
                    break;
                }
                let part = order.open.min(left);
                taken.push(Allocation { order: order.id, amount: part });
                left -= part;
            }
            taken
        }
    };
    let allocated: i64 = allocations.iter().map(|a| a.amount).sum();
    Ok(ReceiptPlan { allocations, prepaid: amount - allocated })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn order(due_ms: i64, open: i64) -> OpenOrder {
        OpenOrder { id: OrderId::new(), due_ms, open }
    }

    #[test]
    fn the_oldest_due_is_settled_first_and_the_rest_is_prepaid() {
        let (late, early) = (order(2_000, 300), order(1_000, 500));
        let plan = plan_receipt(1_000, &[late, early], None).unwrap();
        assert_eq!(
            plan.allocations,
            vec![Allocation { order: early.id, amount: 500 }, Allocation { order: late.id, amount: 300 }]
        );
        assert_eq!(plan.prepaid, 200);
        let partial = plan_receipt(600, &[late, early], None).unwrap();
        assert_eq!(partial.allocations[1], Allocation { order: late.id, amount: 100 });
        assert_eq!(partial.prepaid, 0);
        assert_eq!(plan_receipt(0, &[late], None).unwrap_err().code, "must_be_positive");
    }

    #[test]
    fn a_hand_allocation_never_exceeds_what_is_open_or_the_receipt() {
        let (a, b) = (order(1, 300), order(2, 500));
        let by_hand = [Allocation { order: b.id, amount: 200 }];
        let plan = plan_receipt(1_000, &[a, b], Some(&by_hand)).unwrap();
        assert_eq!((plan.allocated(), plan.prepaid), (200, 800), "only what was named");
        let over = [Allocation { order: a.id, amount: 301 }];
        let error = plan_receipt(1_000, &[a, b], Some(&over)).unwrap_err();
        assert_eq!((error.field.as_str(), error.code), ("allocations[0].amount", "over_open"));
        let too_much = [Allocation { order: a.id, amount: 300 }, Allocation { order: b.id, amount: 500 }];
        assert_eq!(plan_receipt(700, &[a, b], Some(&too_much)).unwrap_err().code, "over_receipt");
        let unknown = [Allocation { order: OrderId::new(), amount: 1 }];
        assert_eq!(plan_receipt(700, &[a, b], Some(&unknown)).unwrap_err().code, "nothing_open");
        let twice = [Allocation { order: a.id, amount: 1 }, Allocation { order: a.id, amount: 1 }];
        assert_eq!(plan_receipt(700, &[a, b], Some(&twice)).unwrap_err().code, "duplicate");
    }

    proptest! {
        #[test]
        fn a_receipt_is_split_exactly_and_never_over_an_order(
            amount in 1i64..10_000_000,
            opens in proptest::collection::vec((0i64..1_000, 0i64..2_000_000), 0..12),
        ) {
            let open: Vec<OpenOrder> = opens.iter().map(|(due, open)| order(*due, *open)).collect();
            let plan = plan_receipt(amount, &open, None).unwrap();
            prop_assert_eq!(plan.allocated() + plan.prepaid, amount);
            prop_assert!(plan.prepaid >= 0);
            for a in &plan.allocations {
                let o = open.iter().find(|o| o.id == a.order).unwrap();
                prop_assert!(a.amount > 0 && a.amount <= o.open);
            }
            let owed: i64 = open.iter().map(|o| o.open).sum();
            prop_assert_eq!(plan.prepaid, (amount - owed).max(0));
        }
    }
}
