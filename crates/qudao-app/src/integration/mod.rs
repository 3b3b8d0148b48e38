//! The ERP link: webhooks out (Standard Webhooks) and, later, the ERP's messages in. The rules
//! of delivery — retry schedule, what an answer means, which addresses may be called — are in
//! `qudao_domain::integration`.

pub mod signing;
