//! The demo's price lists and promotions: last year's and this year's base list, a list per tier
//! (higher tiers pay less), two region lists, a few partners' own lists, and promotions of every
//! kind — running around today, so the demo shows them applied, and ended ones from the history
//! (春节 stocking-up and summer drinks campaigns), so past orders carry them.

use std::collections::HashMap;

use qudao_domain::ids::{PriceListId, PromotionId, SkuId, TierId};
use qudao_domain::pricing::{
    Date, Eligibility, ItemScope, PriceEntry, PriceScope, Promotion, PromotionBook, PromotionKind, Stacking,
    check_promotions,
};
use qudao_store::partners::regions::Region;
use qudao_store::pricing::{self, NewPriceList};
use qudao_store::{Db, Tx};

use super::calendar::{add_days, date_of, festivals_between};
use super::goods::{self, Goods};
use super::partners::Written;
use super::timeline::DAY_MS;
use super::{Progress, scope};
use crate::{AppError, AppResult};

/// Everything pricing needs to price the history like checkout would.
pub(crate) struct Pricing {
    /// Entries of every list, by SKU.
    pub entries: HashMap<SkuId, Vec<PriceEntry>>,
    /// Codes and names of the lists.
    pub lists: pricing::ListNames,
    /// Every promotion, ended ones included (the engine checks their dates).
    pub book: PromotionBook,
    /// Names of the promotions.
    pub names: HashMap<PromotionId, String>,
}

/// Rounds a price to whole jiao.
fn jiao(fen: i64) -> i64 {
    ((fen + 5) / 10 * 10).max(10)
}

fn percent(fen: i64, percent: i64) -> i64 {
    jiao(fen * percent / 100)
}

struct Lists<'a> {
    goods: &'a Goods,
    out: Vec<(String, NewPriceList)>,
}

impl Lists<'_> {
    fn add(
        &mut self,
        code: &str,
        name: &str,
        scope: PriceScope,
        valid: (Date, Option<Date>),
        entries: Vec<(SkuId, i64)>,
    ) {
        self.out.push((
            code.to_string(),
            NewPriceList {
                id: PriceListId::new(),
                code: code.to_string(),
                name: name.to_string(),
                scope,
                valid_from: valid.0,
                valid_to: valid.1,
                status: "active",
                entries,
            },
        ));
    }

    /// Every SKU (`filter` accepting) at `pct` percent of its catalog price.
    fn all_at(&self, pct: i64, filter: impl Fn(&qudao_store::catalog::Sellable) -> bool) -> Vec<(SkuId, i64)> {
        self.goods.skus.iter().filter(|s| filter(s)).map(|s| (s.sku_id, percent(s.list_price, pct))).collect()
    }
}

/// The price lists: base (last year at 97% of today's prices, this year at the catalog price),
/// tiers (platinum 88%, gold 92%, silver 96%; registered partners pay the base list), South
/// China's drinks (86%, market entry) and Southwest China's condiments (87%, until three months
/// from now), and the four biggest platinum distributors' own lists (84% on their favourites).
fn price_lists(
    goods: &Goods,
    tiers: &HashMap<&'static str, TierId>,
    regions: &HashMap<String, Region>,
    platinum: &[&Written],
    start: Date,
    today: Date,
) -> AppResult<Vec<(String, NewPriceList)>> {
    let mut lists = Lists { goods, out: Vec::new() };
    let year_ago = add_days(today, -365);
    lists.add(
        "PL-BASE-PREV",
        "基础价目表（上年度）",
        PriceScope::Base,
        (start, Some(add_days(year_ago, -1))),
        lists.all_at(97, |_| true),
    );
    lists.add("PL-BASE", "基础价目表", PriceScope::Base, (year_ago, None), lists.all_at(100, |_| true));
    for (code, name, pct) in
        [("platinum", "铂金伙伴价目表", 88), ("gold", "黄金伙伴价目表", 92), ("silver", "白银伙伴价目表", 96)]
    {
        let tier = *tiers.get(code).ok_or_else(|| AppError::Internal(format!("demo tier {code}")))?;
        let entries = lists.all_at(pct, |_| true);
        lists.add(&format!("PL-TIER-{}", code.to_uppercase()), name, PriceScope::Tier(tier), (start, None), entries);
    }
    let path = |code: &str| {
        regions.get(code).map(|r| r.path.clone()).ok_or_else(|| AppError::Internal(format!("demo region {code}")))
    };
    let drinks = lists.all_at(86, |s| goods.in_category(s, "BEV") && !s.code.contains("-E"));
    lists.add(
        "PL-REGION-SOUTH",
        "华南区域饮料价",
        PriceScope::Region(path("R-SOUTH")?),
        (add_days(today, -200), None),
        drinks,
    );
    let condiments = lists.all_at(87, |s| goods.in_category(s, "CON") && !s.code.contains("-E"));
    let valid = (add_days(today, -300), Some(add_days(today, 90)));
    lists.add("PL-REGION-SW", "西南区域调味品价", PriceScope::Region(path("R-SW")?), valid, condiments);
    for partner in platinum.iter().take(4) {
        let favourites: Vec<(SkuId, i64)> = goods
            .skus
            .iter()
            .filter(|s| goods.in_category(s, "BEV-CSD") || goods.in_category(s, "BEV-WTR"))
            .take(20)
            .map(|s| (s.sku_id, percent(s.list_price, 84)))
            .collect();
        let from = date_of(partner.created_ms + 30 * DAY_MS).max(start);
        let code = format!("PL-{}", partner.code);
        lists.add(
            &code,
            &format!("{} 专属价目表", partner.code),
            PriceScope::Partner(partner.id),
            (from, None),
            favourites,
        );
    }
    Ok(lists.out)
}

struct Promotions<'a> {
    goods: &'a Goods,
    out: Vec<(String, &'static str, Promotion)>,
}

impl Promotions<'_> {
    #[expect(clippy::too_many_arguments, reason = "one call per promotion reads like the brand's table of them")]
    fn add(
        &mut self,
        code: &str,
        name: &str,
        kind: PromotionKind,
        scope: ItemScope,
        valid: (Date, Date),
        priority: i32,
        stacking: Stacking,
        limit: Option<i64>,
        who: (Vec<TierId>, Vec<String>),
        status: &'static str,
    ) {
        let eligibility =
            Eligibility { tiers: who.0, regions: who.1, partners: Vec::new(), valid_from: valid.0, valid_to: valid.1 };
        let promotion = Promotion {
            id: PromotionId::new(),
            name: name.to_string(),
            kind,
            eligibility,
            scope,
            priority,
            stacking,
            limit_per_partner: limit,
        };
        self.out.push((code.to_string(), status, promotion));
    }

    fn sku(&self, code: &str) -> AppResult<SkuId> {
        Ok(self.goods.code(code)?.sku_id)
    }

    fn skus(&self, codes: &[&str]) -> AppResult<ItemScope> {
        Ok(ItemScope { skus: codes.iter().map(|c| self.sku(c)).collect::<AppResult<_>>()?, ..ItemScope::default() })
    }

    fn category(&self, code: &str) -> AppResult<ItemScope> {
        Ok(ItemScope { categories: vec![self.goods.category(code)?], ..ItemScope::default() })
    }
}

/// The promotions: running from three weeks ago to six weeks ahead, and the ended campaigns of
/// the history.
fn promotions(
    goods: &Goods,
    tiers: &HashMap<&'static str, TierId>,
    regions: &HashMap<String, Region>,
    start: Date,
    today: Date,
) -> AppResult<Vec<(String, &'static str, Promotion)>> {
    use PromotionKind::*;
    use Stacking::{Exclusive, Stackable};
    let mut p = Promotions { goods, out: Vec::new() };
    let now = (add_days(today, -21), add_days(today, 42));
    let all = ItemScope::default();
    let none = || (Vec::new(), Vec::new());
    let price = |code: &str| goods.code(code).map(|s| s.list_price);
    p.add(
        "PM-MJ1000",
        "满1000减100",
        SpendReduce { threshold: 100_000, off: 10_000, repeat: true },
        all.clone(),
        now,
        10,
        Stackable,
        None,
        none(),
        "active",
    );
    p.add(
        "PM-SNK-95",
        "休闲零食满3000享95折",
        SpendPercent { threshold: 300_000, percent_off_bp: 500 },
        p.category("SNK")?,
        now,
        20,
        Stackable,
        None,
        none(),
        "active",
    );
    p.add(
        "PM-LATTE",
        "拿铁新品特价",
        SpecialPrice { price: percent(price(goods::LATTE)?, 75) },
        p.skus(&[goods::LATTE])?,
        now,
        30,
        Stackable,
        None,
        none(),
        "active",
    );
    p.add(
        "PM-TEA-90",
        "茶饮料单品9折",
        ItemDiscount { percent_off_bp: 1_000 },
        p.category("BEV-TEA")?,
        now,
        25,
        Stackable,
        None,
        none(),
        "active",
    );
    let cola =
        BuyGift { buy: p.sku(goods::COLA)?, buy_qty: 240, gift: p.sku(goods::LEMON_SODA)?, gift_qty: 24, repeat: true };
    p.add("PM-COLA-10+1", "澜溪可乐买10箱赠柠檬汽水1箱", cola, all.clone(), now, 40, Stackable, None, none(), "active");
    let water =
        BuyGift { buy: p.sku(goods::WATER)?, buy_qty: 480, gift: p.sku(goods::LEMON_TEA)?, gift_qty: 15, repeat: true };
    p.add("PM-WATER-20+1", "天然水买20箱赠柠檬红茶1箱", water, all.clone(), now, 40, Stackable, None, none(), "active");
    let (chips, canned) = (goods.code(goods::CHIPS)?, goods.code(goods::CANNED_CHIPS)?);
    let set_price = percent(chips.list_price * 22 + canned.list_price * 12, 88);
    let bundle = Bundle { items: vec![(chips.sku_id, 22), (canned.sku_id, 12)], price: set_price };
    p.add(
        "PM-CHIPS-SET",
        "薯片组合装（袋装1箱+罐装1箱）",
        bundle,
        all.clone(),
        now,
        35,
        Stackable,
        None,
        none(),
        "active",
    );
    p.add(
        "PM-OIL-LIMIT",
        "大豆油特价（每家限购10箱）",
        SpecialPrice { price: percent(price(goods::OIL)?, 80) },
        p.skus(&[goods::OIL])?,
        now,
        50,
        Stackable,
        Some(40),
        none(),
        "active",
    );
    let vip = (vec![tier(tiers, "platinum")?, tier(tiers, "gold")?], Vec::new());
    p.add(
        "PM-DAI-VIP",
        "铂金/黄金伙伴乳品92折",
        ItemDiscount { percent_off_bp: 800 },
        p.category("DAI")?,
        now,
        15,
        Stackable,
        None,
        vip,
        "active",
    );
    let south = regions.get("R-SOUTH").map(|r| r.path.clone()).ok_or_else(|| AppError::Internal("R-SOUTH".into()))?;
    p.add(
        "PM-SOUTH-MJ",
        "华南区满5000减300",
        SpendReduce { threshold: 500_000, off: 30_000, repeat: false },
        all.clone(),
        now,
        12,
        Stackable,
        None,
        (Vec::new(), vec![south]),
        "active",
    );
    p.add(
        "PM-POWDER-CLEAR",
        "洗衣粉清仓特价（不与其他优惠同享）",
        SpecialPrice { price: percent(price(goods::POWDER)?, 60) },
        p.skus(&[goods::POWDER])?,
        now,
        90,
        Exclusive,
        None,
        none(),
        "active",
    );
    // The history's campaigns, ended.
    for festival in festivals_between(start, add_days(today, -30)) {
        let year = festival / 10_000;
        let valid = (add_days(festival, -35), add_days(festival, -1));
        p.add(
            &format!("PM-CNY-{year}"),
            &format!("{year}春节备货满2000减200"),
            SpendReduce { threshold: 200_000, off: 20_000, repeat: true },
            all.clone(),
            valid,
            10,
            Stackable,
            None,
            none(),
            "ended",
        );
    }
    for year in start / 10_000..=today / 10_000 {
        let valid = (year * 10_000 + 601, year * 10_000 + 831);
        if valid.0 >= start && valid.1 < add_days(today, -21) {
            p.add(
                &format!("PM-SUMMER-{year}"),
                &format!("{year}夏日饮料节 饮料满1500享93折"),
                SpendPercent { threshold: 150_000, percent_off_bp: 700 },
                p.category("BEV")?,
                valid,
                20,
                Stackable,
                None,
                none(),
                "ended",
            );
            let gift = BuyGift {
                buy: p.sku(goods::COLA)?,
                buy_qty: 240,
                gift: p.sku(goods::LEMON_SODA)?,
                gift_qty: 24,
                repeat: true,
            };
            p.add(
                &format!("PM-COLA-{year}"),
                &format!("{year}夏季可乐买10赠1"),
                gift,
                all.clone(),
                valid,
                40,
                Stackable,
                None,
                none(),
                "ended",
            );
        }
    }
    Ok(p.out)
}

fn tier(tiers: &HashMap<&'static str, TierId>, code: &str) -> AppResult<TierId> {
    tiers.get(code).copied().ok_or_else(|| AppError::Internal(format!("demo tier {code}")))
}

/// Writes the lists and promotions, checks the promotions as the editor would, bumps the
/// pricing version, and returns what pricing the history needs.
#[expect(clippy::too_many_arguments, reason = "the demo's context, passed as it was built")]
pub(crate) async fn write(
    db: &Db,
    goods: &Goods,
    tiers: &HashMap<&'static str, TierId>,
    regions: &HashMap<String, Region>,
    platinum: &[&Written],
    start_ms: i64,
    now_ms: i64,
    progress: &dyn Progress,
) -> AppResult<Pricing> {
    let (start, today) = (date_of(start_ms), date_of(now_ms));
    let lists = price_lists(goods, tiers, regions, platinum, start, today)?;
    let promotions = promotions(goods, tiers, regions, start, today)?;
    progress.stage("pricing", (lists.len() + promotions.len()) as u64);
    let all: Vec<Promotion> = promotions.iter().map(|(_, _, p)| p.clone()).collect();
    for (code, _, promotion) in &promotions {
        let problems = check_promotions(promotion, &all);
        if !problems.is_empty() {
            return Err(AppError::Internal(format!("demo promotion {code}: {problems:?}")));
        }
    }
    let mut tx: Tx = db.write(&scope()).await?;
    let created_ms = start_ms - DAY_MS;
    let mut entries: HashMap<SkuId, Vec<PriceEntry>> = HashMap::new();
    let mut names = pricing::ListNames::new();
    for (code, list) in &lists {
        pricing::insert_price_list(&mut tx, list, created_ms).await?;
        names.insert(list.id, (code.clone(), list.name.clone()));
        for (sku, price) in &list.entries {
            entries.entry(*sku).or_default().push(PriceEntry {
                list: list.id,
                scope: list.scope.clone(),
                sku: *sku,
                price: *price,
                valid_from: list.valid_from,
                valid_to: list.valid_to,
            });
        }
        progress.advance(1);
    }
    for (code, status, promotion) in &promotions {
        let at = super::calendar::midnight_ms(promotion.eligibility.valid_from) - 7 * DAY_MS;
        pricing::insert_promotion(&mut tx, promotion, code, status, at.min(now_ms)).await?;
        progress.advance(1);
    }
    pricing::bump_version(&mut tx, now_ms).await?;
    tx.commit().await?;
    let names_of = promotions.iter().map(|(_, _, p)| (p.id, p.name.clone())).collect();
    Ok(Pricing { entries, lists: names, book: PromotionBook::new(all), names: names_of })
}
