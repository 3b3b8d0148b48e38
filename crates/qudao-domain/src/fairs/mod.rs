//! Ordering fairs (订货会): time-boxed events where partners put in demand per SKU at fair prices.
//!
//! When a fair closes, a SKU whose demand exceeds the stock set aside for it is shared out by the
//! rule the brand announced ([`AllocationRule`]), and every partner gets an [`Explanation`] of its
//! result. Allocation is a pure function of the demands, the stock and the tier weights, so a
//! closed fair can be recomputed and audited.

mod allocation;

#[cfg(test)]
mod tests;

pub use allocation::{Allocation, AllocationRule, Basis, Demand, Explanation, allocate};
