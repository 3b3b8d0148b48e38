//! Where demo partners are: the cities of the region file, weighted so that big provinces get more
//! partners, with the area codes their credit codes start with.

use std::collections::HashSet;

use qudao_domain::partners::CreditCode;

use super::data::{RegionRow, Tables};
use super::rng::Rng;
use crate::{AppError, AppResult};

/// Each province's administrative division prefix (GB/T 2260) and its weight: roughly its share of
/// a national FMCG brand's channel (Guangdong, Jiangsu, Zhejiang and Shandong lead; Tibet and
/// Qinghai trail).
const PROVINCES: [(&str, u32, u64); 31] = [
    ("CN-BJ", 11, 5),
    ("CN-TJ", 12, 2),
    ("CN-HE", 13, 4),
    ("CN-SX", 14, 2),
    ("CN-NM", 15, 1),
    ("CN-LN", 21, 3),
    ("CN-JL", 22, 1),
    ("CN-HL", 23, 2),
    ("CN-SH", 31, 6),
    ("CN-JS", 32, 9),
    ("CN-ZJ", 33, 8),
    ("CN-AH", 34, 4),
    ("CN-FJ", 35, 5),
    ("CN-JX", 36, 3),
    ("CN-SD", 37, 8),
    ("CN-HA", 41, 6),
    ("CN-HB", 42, 5),
    ("CN-HN", 43, 5),
    ("CN-GD", 44, 10),
    ("CN-GX", 45, 3),
    ("CN-HI", 46, 1),
    ("CN-CQ", 50, 3),
    ("CN-SC", 51, 6),
    ("CN-GZ", 52, 2),
    ("CN-YN", 53, 3),
    ("CN-XZ", 54, 1),
    ("CN-SN", 61, 3),
    ("CN-GS", 62, 1),
    ("CN-QH", 63, 1),
    ("CN-NX", 64, 1),
    ("CN-XJ", 65, 1),
];

/// A city partners can be filed under.
#[derive(Debug, Clone)]
pub(crate) struct City {
    /// Region code (`CN-JS-NJ`).
    pub code: &'static str,
    /// The name as used in company names: 南京 for 南京市, 大理 for 大理白族自治州.
    pub short_zh: String,
    /// English name (`Nanjing`).
    pub name_en: &'static str,
    /// The province's region code.
    pub province: &'static str,
    /// The top region (大区) code.
    pub top: &'static str,
    /// The first four digits of the area code: province and city.
    pub area: String,
    /// Relative number of partners here.
    pub weight: u64,
}

/// A city's name without its administrative suffix, as companies put it in their names.
pub(crate) fn short_city_name(name: &str) -> String {
    if name.contains("自治州") {
        return name.chars().take(2).collect();
    }
    for suffix in ["地区", "市"] {
        if let Some(stem) = name.strip_suffix(suffix)
            && stem.chars().count() >= 2
        {
            return stem.to_string();
        }
    }
    name.to_string()
}

/// The cities of the region file, with weights: the province's weight shared over its cities,
/// the capital (listed first) counting three times and the second city twice.
pub(crate) fn cities(tables: &Tables) -> AppResult<Vec<City>> {
    let parent = |row: &RegionRow| -> AppResult<&RegionRow> {
        let code = row.parent_code.unwrap_or_default();
        tables
            .regions
            .iter()
            .find(|r| r.code == code)
            .ok_or_else(|| AppError::Internal(format!("demo region {} has no parent", row.code)))
    };
    let mut cities = Vec::new();
    for (code, gb, weight) in PROVINCES {
        let in_province: Vec<&RegionRow> =
            tables.regions.iter().filter(|r| r.level == 3 && r.parent_code == Some(code)).collect();
        let shares: Vec<u64> = (0..in_province.len()).map(|i| [3, 2].get(i).copied().unwrap_or(1)).collect();
        let total: u64 = shares.iter().sum();
        for ((index, row), share) in in_province.iter().enumerate().zip(&shares) {
            let province = parent(row)?;
            let top = parent(province)?;
            cities.push(City {
                code: row.code,
                short_zh: short_city_name(row.name_zh),
                name_en: row.name_en,
                province: province.code,
                top: top.code,
                area: format!("{gb:02}{:02}", index + 1),
                // Scaled so that a small province's cities still get a non-zero weight.
                weight: (weight * share * 1_000 / total.max(1)).max(1),
            });
        }
    }
    let listed = tables.regions.iter().filter(|r| r.level == 3).count();
    if cities.len() != listed {
        return Err(AppError::Internal(format!("demo data: {listed} cities but {} in known provinces", cities.len())));
    }
    Ok(cities)
}

/// The 31 characters credit codes are made of.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid, unused unified social credit code for a company in `city`: `91` (an enterprise),
/// the city's area code and a district, nine random characters and the check character.
pub(crate) fn credit_code(city: &City, rng: &mut Rng, used: &mut HashSet<String>) -> AppResult<String> {
    loop {
        let org: String = (0..9).map(|_| char::from(CREDIT_ALPHABET[rng.index(CREDIT_ALPHABET.len())])).collect();
        let first17 = format!("91{}{:02}{org}", city.area, rng.between(1, 18));
        let code = CreditCode::with_check_char(&first17)
            .ok_or_else(|| AppError::Internal(format!("demo credit code {first17}")))?
            .as_str()
            .to_string();
        if used.insert(code.clone()) {
            return Ok(code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_names_lose_their_suffix() {
        assert_eq!(short_city_name("南京市"), "南京");
        assert_eq!(short_city_name("大理白族自治州"), "大理");
        assert_eq!(short_city_name("喀什地区"), "喀什");
        assert_eq!(short_city_name("上海"), "上海");
    }

    #[test]
    fn every_city_is_placed_and_big_provinces_weigh_more() {
        let tables = Tables::load().unwrap();
        let cities = cities(&tables).unwrap();
        let weight = |province: &str| cities.iter().filter(|c| c.province == province).map(|c| c.weight).sum::<u64>();
        assert!(weight("CN-GD") > 3 * weight("CN-QH"));
        let nanjing = cities.iter().find(|c| c.code == "CN-JS-NJ").unwrap();
        assert_eq!((nanjing.top, nanjing.area.as_str(), nanjing.short_zh.as_str()), ("R-EAST", "3201", "南京"));
    }
}
