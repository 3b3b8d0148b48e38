//! Stock counts (盘点): what a count sheet changes. Counted quantities replace the book's on hand;
//! the differences become journal moves. A count below what orders have reserved is refused —
//! goods promised to partners must be found or their orders dealt with first, never silently
//! oversold — and so is a SKU counted twice on one sheet.

use crate::FieldError;
use crate::ids::SkuId;

/// One counted line: the sheet's line number (for messages), the SKU and the quantity found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Line on the sheet, from 1.
    pub line: usize,
    /// The SKU.
    pub sku: SkuId,
    /// Base units found.
    pub counted: i64,
}

/// What the book says of a SKU in the counted warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Book {
    /// The SKU.
    pub sku: SkuId,
    /// On hand.
    pub on_hand: i64,
    /// Reserved for orders.
    pub reserved: i64,
}

/// One line's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    /// The SKU.
    pub sku: SkuId,
    /// On hand before the count.
    pub book: i64,
    /// Found.
    pub counted: i64,
    /// `counted - book`: the move to journal (zero: nothing to move).
    pub delta: i64,
}

/// The differences of a count sheet against the book (a SKU absent from the book has none), or
/// every bad line at once.
pub fn differences(book: &[Book], counted: &[Counted]) -> Result<Vec<Difference>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut seen: Vec<SkuId> = Vec::with_capacity(counted.len());
    let mut out = Vec::with_capacity(counted.len());
    for c in counted {
        let field = format!("lines[{}].counted", c.line);
        if seen.contains(&c.sku) {
            errors.push(FieldError::new(format!("lines[{}].sku", c.line), "counted_twice"));
            continue;
        }
        seen.push(c.sku);
        let on_book =
            book.iter().find(|b| b.sku == c.sku).copied().unwrap_or(Book { sku: c.sku, on_hand: 0, reserved: 0 });
        if c.counted < 0 || c.counted > 100_000_000 {
            errors.push(FieldError::new(field, "invalid_quantity"));
        } else if c.counted < on_book.reserved {
            errors.push(FieldError::with_param(field, "below_reserved", on_book.reserved));
        } else {
            out.push(Difference {
                sku: c.sku,
                book: on_book.on_hand,
                counted: c.counted,
                delta: c.counted - on_book.on_hand,
            });
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_moves_the_difference_and_refuses_what_orders_hold() {
        let (a, b, c) = (SkuId::new(), SkuId::new(), SkuId::new());
        let book = [Book { sku: a, on_hand: 100, reserved: 20 }, Book { sku: b, on_hand: 5, reserved: 0 }];
        let sheet = [
            Counted { line: 1, sku: a, counted: 97 },
            Counted { line: 2, sku: b, counted: 5 },
            Counted { line: 3, sku: c, counted: 12 },
        ];
        let found = differences(&book, &sheet).unwrap();
        assert_eq!(found.iter().map(|d| d.delta).collect::<Vec<_>>(), vec![-3, 0, 12]);
        let short = [Counted { line: 1, sku: a, counted: 19 }, Counted { line: 2, sku: a, counted: 50 }];
        let errors = differences(&book, &short).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.code).collect::<Vec<_>>(), vec!["below_reserved", "counted_twice"]);
        assert_eq!(errors[0].field, "lines[1].counted");
    }
}
