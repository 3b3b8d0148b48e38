//! Builders for ordering tests: SKUs with stock in a warehouse, credit lines and prepayments,
//! written through the store (fast, independent of the use cases under test), and the
//! invariants every ordering test checks at its end.

use qudao_domain::accounts::{AccountKind, Template};
use qudao_domain::ids::{PartnerId, ProductId, SkuId, WarehouseId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::pricing::QuantityRule;
use qudao_store::Scope;
use qudao_store::accounts::{self, NewEntry, NewPosting};
use qudao_store::catalog::{self, NewProduct, NewSku, masters};
use qudao_store::stock::{self, Warehouse, Why};

use qudao_app::App;

use crate::TestApp;

fn scope() -> Scope {
    Scope::system("test fixtures")
}

/// The builders on a bare [`App`], for tests that run their own server (the browser test); the
/// same builders are methods of [`TestApp`].
#[derive(Clone, Copy)]
pub struct Shop<'a> {
    /// The application written to.
    pub app: &'a App,
}

impl TestApp {
    /// The builders for this app.
    pub fn shop(&self) -> Shop<'_> {
        Shop { app: &self.app }
    }

    /// See [`Shop::sku`].
    pub async fn sku(&self, code: &str, price: i64) -> SkuId {
        self.shop().sku(code, price).await
    }

    /// See [`Shop::order_rule`].
    pub async fn order_rule(&self, sku: SkuId, unit: &str, minimum: i64, multiple: i64) {
        self.shop().order_rule(sku, unit, minimum, multiple).await
    }

    /// See [`Shop::warehouse`].
    pub async fn warehouse(&self, code: &str, priority: i64) -> WarehouseId {
        self.shop().warehouse(code, priority).await
    }

    /// See [`Shop::receive`].
    pub async fn receive(&self, sku: SkuId, warehouse: WarehouseId, quantity: i64) {
        self.shop().receive(sku, warehouse, quantity).await
    }

    /// See [`Shop::credit_line`].
    pub async fn credit_line(&self, partner: PartnerId, fen: i64) {
        self.shop().credit_line(partner, fen).await
    }

    /// See [`Shop::post`].
    pub async fn post(&self, partner: PartnerId, template: Template, fen: i64, reverse: bool) {
        self.shop().post(partner, template, fen, reverse).await
    }

    /// See [`Shop::assert_invariants`].
    pub async fn assert_invariants(&self) {
        self.shop().assert_invariants().await
    }

    /// See [`Shop::account`].
    pub async fn account(&self, partner: PartnerId, kind: AccountKind) -> (i64, i64, i64) {
        self.shop().account(partner, kind).await
    }

    /// See [`Shop::stock_of`].
    pub async fn stock_of(&self, sku: SkuId) -> (i64, i64) {
        self.shop().stock_of(sku).await
    }
}

impl Shop<'_> {
    /// A product `code` (category BEV-CSD, brand LANXI, sold in bottles and cases of 24) with one
    /// active SKU `code` at `price` fen per bottle.
    pub async fn sku(&self, code: &str, price: i64) -> SkuId {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        let categories = masters::categories(&mut tx).await.expect("categories");
        let brands = masters::brands(&mut tx).await.expect("brands");
        let units = masters::units(&mut tx).await.expect("units");
        let unit = |code: &str| units.iter().find(|u| u.code == code).expect("test unit").id;
        let product = ProductId::new();
        catalog::insert(
            &mut tx,
            &NewProduct {
                id: product,
                code: format!("P-{code}"),
                name_zh: format!("测试商品{code}"),
                name_en: format!("Test product {code}"),
                category_id: categories.iter().find(|c| c.code == "BEV-CSD").expect("category").id,
                brand_id: brands.iter().find(|b| b.code == "LANXI").expect("brand").id,
                base_unit_id: unit("BOTTLE"),
                tax_rate_bp: 1300,
                description: None,
                units: vec![(unit("CASE"), 24)],
                now_ms: self.app.now_ms(),
            },
        )
        .await
        .expect("product");
        let sku = SkuId::new();
        catalog::insert_sku(
            &mut tx,
            &NewSku {
                id: sku,
                product_id: product,
                code: code.to_string(),
                spec: vec![("规格".into(), "330ml".into())],
                name_zh: "330ml".into(),
                name_en: "330ml".into(),
                barcode: None,
                list_price: price,
                currency: "CNY".into(),
                now_ms: self.app.now_ms(),
            },
        )
        .await
        .expect("sku");
        tx.commit().await.expect("commit");
        sku
    }

    /// Sets a SKU's ordering rule in cases (`CASE`) or bottles (`BOTTLE`).
    pub async fn order_rule(&self, sku: SkuId, unit: &str, minimum: i64, multiple: i64) {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        let units = masters::units(&mut tx).await.expect("units");
        let unit = units.iter().find(|u| u.code == unit).expect("unit").id;
        catalog::set_order_rule(&mut tx, sku, unit, Some(QuantityRule { minimum, multiple })).await.expect("rule");
        tx.commit().await.expect("commit");
    }

    /// A warehouse with this code and priority.
    pub async fn warehouse(&self, code: &str, priority: i64) -> WarehouseId {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        let id = WarehouseId::new();
        let warehouse = Warehouse {
            id,
            code: code.into(),
            name_zh: format!("{code}仓"),
            name_en: format!("{code} warehouse"),
            region_id: None,
            priority,
            active: true,
        };
        stock::insert_warehouse(&mut tx, &warehouse, self.app.now_ms()).await.expect("warehouse");
        tx.commit().await.expect("commit");
        id
    }

    /// Receives `quantity` base units of a SKU into a warehouse.
    pub async fn receive(&self, sku: SkuId, warehouse: WarehouseId, quantity: i64) {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        let why = Why { kind: "receipt", reference: None, reason: None, by: None, at_ms: self.app.now_ms() };
        assert!(stock::adjust(&mut tx, sku, warehouse, quantity, why).await.expect("receive"));
        tx.commit().await.expect("commit");
    }

    /// Sets a partner's credit line, fen.
    pub async fn credit_line(&self, partner: PartnerId, fen: i64) {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        accounts::ensure_partner_accounts(&mut tx, partner, "CNY", self.app.now_ms()).await.expect("accounts");
        assert!(accounts::set_credit_line(&mut tx, partner, "CNY", fen).await.expect("credit line"));
        tx.commit().await.expect("commit");
    }

    /// Posts a movement for a partner (a prepayment, a rebate grant as a reversed rebate payment).
    pub async fn post(&self, partner: PartnerId, template: Template, fen: i64, reverse: bool) {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        accounts::ensure_partner_accounts(&mut tx, partner, "CNY", self.app.now_ms()).await.expect("accounts");
        let mut postings = Vec::new();
        for posting in
            qudao_domain::accounts::postings(template, Money::new(fen, Currency::CNY), reverse).expect("postings")
        {
            let account = match posting.account {
                AccountKind::Sales => accounts::BRAND_SALES_CNY.parse().expect("id"),
                AccountKind::Cash => accounts::BRAND_CASH_CNY.parse().expect("id"),
                kind => accounts::partner_account(&mut tx, partner, kind, "CNY").await.expect("read").expect("account"),
            };
            postings.push(NewPosting { account, amount: posting.amount });
        }
        let entry = NewEntry {
            partner: Some(partner),
            template: template.as_str(),
            reference: None,
            memo: None,
            created_by: None,
            at_ms: self.app.now_ms(),
            postings,
        };
        accounts::post(&mut tx, &entry).await.map_err(|e| format!("{e:?}")).expect("post");
        tx.commit().await.expect("commit");
    }

    /// Fails the test if any ledger or stock invariant is broken: every balance is the sum of its
    /// postings, the postings sum to zero, stock matches its moves and never goes below zero or
    /// below what is reserved, and reserved stock is exactly what open orders hold.
    pub async fn assert_invariants(&self) {
        let (wrong, total) = qudao_app::accounts::check_ledger(self.app).await.expect("ledger check");
        assert!(wrong.is_empty(), "balances differ from the journal: {wrong:?}");
        assert_eq!(total, 0, "the journal does not balance");
        let problems = qudao_app::stock::check_stock(self.app).await.expect("stock check");
        assert!(problems.is_empty(), "stock problems: {problems:?}");
    }

    /// A partner's account of `kind` as shown (balance, credit line, available).
    pub async fn account(&self, partner: PartnerId, kind: AccountKind) -> (i64, i64, i64) {
        let mut tx = self.app.db().read(&scope()).await.expect("tx");
        let views = accounts::partner_accounts(&mut tx, partner).await.expect("accounts");
        let view = views.into_iter().find(|v| v.kind == kind.as_str()).expect("account");
        (view.balance, view.credit_line, view.available)
    }

    /// On hand and reserved of a SKU over all warehouses.
    pub async fn stock_of(&self, sku: SkuId) -> (i64, i64) {
        let mut tx = self.app.db().read(&scope()).await.expect("tx");
        let levels = stock::levels(&mut tx, &[sku]).await.expect("levels");
        (levels.iter().map(|l| l.on_hand).sum(), levels.iter().map(|l| l.reserved).sum())
    }
}
