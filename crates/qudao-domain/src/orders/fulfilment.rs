//! After approval: which reserved stock a shipment takes, what the order's status becomes, and
//! how much money a return gives back. Pure rules; the use cases apply them inside one
//! transaction.

use serde::Serialize;

use crate::ids::WarehouseId;
use crate::money::round_half_up;
use crate::{FieldError, Invalid};

/// What the order still holds for one line in one warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The order line.
    pub line_no: i64,
    /// The warehouse holding it.
    pub warehouse: WarehouseId,
    /// Base units still reserved.
    pub quantity: i64,
}

/// A line quantity someone asks to ship or return, in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineQuantity {
    /// The order line.
    pub line_no: i64,
    /// Base units.
    pub quantity: i64,
}

/// Decides what one shipment takes: everything the order still holds in `warehouse` when
/// `wanted` is empty, else exactly the asked quantities. A shipment leaves one warehouse, so
/// without a named warehouse the order must hold stock in exactly one. Errors name the field
/// (`lines[i].quantity`, `warehouse`) so the form can point at it.
pub fn plan_shipment(
    held: &[Held],
    warehouse: Option<WarehouseId>,
    wanted: &[LineQuantity],
) -> Result<(WarehouseId, Vec<LineQuantity>), Invalid> {
    let mut invalid = Invalid::default();
    let open: Vec<&Held> = held.iter().filter(|h| h.quantity > 0).collect();
    let warehouse = match warehouse {
        Some(w) => w,
        None => {
            let mut ids: Vec<WarehouseId> = open.iter().map(|h| h.warehouse).collect();
            ids.sort_unstable();
            ids.dedup();
            match ids.as_slice() {
                [only] => *only,
                [] => return Err(Invalid::one("lines", "nothing_to_ship")),
                _ => return Err(Invalid::one("warehouse", "warehouse_required")),
            }
        }
    };
    let here = |line_no: i64| -> i64 {
        open.iter().filter(|h| h.warehouse == warehouse && h.line_no == line_no).map(|h| h.quantity).sum()
    };
    let plan: Vec<LineQuantity> = if wanted.is_empty() {
        let mut lines: Vec<i64> = open.iter().filter(|h| h.warehouse == warehouse).map(|h| h.line_no).collect();
        lines.sort_unstable();
        lines.dedup();
        lines.into_iter().map(|line_no| LineQuantity { line_no, quantity: here(line_no) }).collect()
    } else {
        let mut plan: Vec<LineQuantity> = Vec::new();
        for (i, want) in wanted.iter().enumerate() {
            let field = format!("lines[{i}].quantity");
            let asked: i64 =
                plan.iter().filter(|p| p.line_no == want.line_no).map(|p| p.quantity).sum::<i64>() + want.quantity;
            if want.quantity <= 0 {
                invalid.push(FieldError::new(field, "must_be_positive"));
            } else if asked > here(want.line_no) {
                invalid.push(FieldError::with_param(field, "more_than_held", here(want.line_no)));
            } else {
                plan.push(*want);
            }
        }
        plan
    };
    invalid.into_result()?;
    if plan.is_empty() {
        return Err(Invalid::one("lines", "nothing_to_ship"));
    }
    Ok((warehouse, plan))
}

/// Where a return (退货) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Asked by the partner; waiting for the brand.
    Requested,
    /// Accepted; the partner sends the goods back.
    Approved,
    /// Refused, with the brand's note.
    Rejected,
    /// The goods are back in a warehouse and the money is refunded.
    Refunded,
}

impl ReturnStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::Requested => "requested",
            ReturnStatus::Approved => "approved",
            ReturnStatus::Rejected => "rejected",
            ReturnStatus::Refunded => "refunded",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<ReturnStatus> {
        [ReturnStatus::Requested, ReturnStatus::Approved, ReturnStatus::Rejected, ReturnStatus::Refunded]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// Whether its quantities still count against what may be returned.
    pub fn counts(self) -> bool {
        self != ReturnStatus::Rejected
    }
}

/// One order line as a return sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnableLine {
    /// The line.
    pub line_no: i64,
    /// Base units ordered.
    pub base_quantity: i64,
    /// Base units shipped.
    pub shipped: i64,
    /// What the line cost after promotions, fen.
    pub net: i64,
    /// Base units in returns not rejected (asked, approved or refunded).
    pub claimed: i64,
    /// Fen those returns are worth.
    pub claimed_amount: i64,
}

/// Prices the asked return quantities: each at the line's net price per base unit, rounded half
/// up, except that returning a line's last units takes exactly what is left of its net, so a
/// fully returned line gives back precisely what it cost. Only shipped, not yet claimed units
/// may be returned. Returns `(line_no, quantity, amount)`.
pub fn price_return(lines: &[ReturnableLine], wanted: &[LineQuantity]) -> Result<Vec<(i64, i64, i64)>, Invalid> {
    let mut invalid = Invalid::default();
    let mut out: Vec<(i64, i64, i64)> = Vec::new();
    if wanted.is_empty() {
        return Err(Invalid::one("lines", "required"));
    }
    for (i, want) in wanted.iter().enumerate() {
        let field = format!("lines[{i}]");
        let Some(line) = lines.iter().find(|l| l.line_no == want.line_no) else {
            invalid.push(FieldError::new(format!("{field}.line_no"), "unknown_line"));
            continue;
        };
        let earlier: i64 = out.iter().filter(|o| o.0 == want.line_no).map(|o| o.1).sum();
        let earlier_amount: i64 = out.iter().filter(|o| o.0 == want.line_no).map(|o| o.2).sum();
        let open = line.shipped - line.claimed - earlier;
        if want.quantity <= 0 {
            invalid.push(FieldError::new(format!("{field}.quantity"), "must_be_positive"));
            continue;
        }
        if want.quantity > open {
            invalid.push(FieldError::with_param(format!("{field}.quantity"), "more_than_returnable", open.max(0)));
            continue;
        }
        let claimed = line.claimed + earlier + want.quantity;
        let amount = if claimed == line.base_quantity {
            line.net - line.claimed_amount - earlier_amount
        } else {
            round_half_up(i128::from(line.net) * i128::from(want.quantity), i128::from(line.base_quantity.max(1)))
                as i64
        };
        out.push((want.line_no, want.quantity, amount.max(0)));
    }
    invalid.into_result()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Two warehouses, the first sorting first.
    fn warehouses() -> (WarehouseId, WarehouseId) {
        let (a, b) = (WarehouseId::new(), WarehouseId::new());
        if a < b { (a, b) } else { (b, a) }
    }

    #[test]
    fn a_shipment_takes_what_one_warehouse_holds() {
        let (one, two) = warehouses();
        let held = [
            Held { line_no: 1, warehouse: one, quantity: 10 },
            Held { line_no: 2, warehouse: one, quantity: 4 },
            Held { line_no: 2, warehouse: two, quantity: 6 },
        ];
        let error = plan_shipment(&held, None, &[]).unwrap_err();
        assert_eq!(error.errors[0].code, "warehouse_required");
        let (w, plan) = plan_shipment(&held, Some(one), &[]).unwrap();
        assert_eq!(w, one);
        assert_eq!(plan, vec![LineQuantity { line_no: 1, quantity: 10 }, LineQuantity { line_no: 2, quantity: 4 }]);
        let partial = [LineQuantity { line_no: 2, quantity: 3 }, LineQuantity { line_no: 2, quantity: 2 }];
        let error = plan_shipment(&held, Some(one), &partial).unwrap_err();
        assert_eq!(error.errors[0].field, "lines[1].quantity");
        assert_eq!(error.errors[0].param.as_deref(), Some("4"));
        let (_, plan) = plan_shipment(&held[2..], None, &[LineQuantity { line_no: 2, quantity: 5 }]).unwrap();
        assert_eq!(plan, vec![LineQuantity { line_no: 2, quantity: 5 }]);
        assert_eq!(plan_shipment(&[], None, &[]).unwrap_err().errors[0].code, "nothing_to_ship");
    }

    #[test]
    fn returning_everything_gives_back_exactly_the_net() {
        let line =
            ReturnableLine { line_no: 1, base_quantity: 3, shipped: 3, net: 1000, claimed: 0, claimed_amount: 0 };
        let first = price_return(&[line], &[LineQuantity { line_no: 1, quantity: 1 }]).unwrap();
        assert_eq!(first, vec![(1, 1, 333)]);
        let rest = ReturnableLine { claimed: 1, claimed_amount: 333, ..line };
        assert_eq!(price_return(&[rest], &[LineQuantity { line_no: 1, quantity: 2 }]).unwrap(), vec![(1, 2, 667)]);
        let error = price_return(&[rest], &[LineQuantity { line_no: 1, quantity: 3 }]).unwrap_err();
        assert_eq!(error.errors[0].code, "more_than_returnable");
        let unshipped = ReturnableLine { shipped: 0, ..line };
        assert!(price_return(&[unshipped], &[LineQuantity { line_no: 1, quantity: 1 }]).is_err());
        assert_eq!(
            price_return(&[line], &[LineQuantity { line_no: 9, quantity: 1 }]).unwrap_err().errors[0].code,
            "unknown_line"
        );
    }

    proptest! {
        #[test]
        fn returns_in_any_pieces_add_up_to_the_line(net in 0i64..10_000_000, pieces in proptest::collection::vec(1i64..20, 1..8)) {
            let base: i64 = pieces.iter().sum();
            let mut line = ReturnableLine { line_no: 1, base_quantity: base, shipped: base, net, claimed: 0, claimed_amount: 0 };
            for piece in pieces {
                let priced = price_return(&[line], &[LineQuantity { line_no: 1, quantity: piece }]).unwrap();
                prop_assert!(priced[0].2 >= 0);
                line.claimed += priced[0].1;
                line.claimed_amount += priced[0].2;
            }
            prop_assert_eq!(line.claimed_amount, net);
        }
    }
}
