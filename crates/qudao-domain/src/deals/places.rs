//! China's provinces and the cities that appear in company names (行政区划, public facts), so
//! that a name's place can be told apart from its trade name: 上海某某科技有限公司 and
//! 某某科技（上海）有限公司 are one company, 北京某某科技 and 上海某某科技 are two.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Each line: a province (or municipality) and its cities. A city marked `*` is also an everyday
/// word or a common trade name (中山, 安康, 白银), so it counts as a place at the start of a name
/// only when written with 市 or in brackets.
const TABLE: &str = "\
北京: 北京
天津: 天津
上海: 上海
重庆: 重庆
河北: 石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水
山西: 太原 大同* 阳泉 长治* 晋城 朔州 晋中 运城 忻州 临汾 吕梁
内蒙古: 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布
辽宁: 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳* 葫芦岛
吉林: 长春 吉林 四平 辽源 通化* 白山 松原 白城 延边
黑龙江: 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化
江苏: 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 昆山 江阴 常熟 张家港 宜兴 太仓
浙江: 杭州 宁波 温州 嘉兴 湖州 绍兴 金华* 衢州 舟山 台州 丽水 义乌 慈溪 余姚 诸暨 乐清 瑞安*
安徽: 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山* 滁州 阜阳 宿州 六安 亳州 池州 宣城
福建: 福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 晋江 石狮
江西: 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安* 宜春 抚州 上饶
山东: 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照* 临沂 德州 聊城 滨州 菏泽
河南: 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店
湖北: 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施
湖南: 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底
广东: 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山* 潮州 揭阳 云浮 顺德
广西: 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾* 崇左
海南: 海口 三亚 儋州
四川: 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳
贵州: 贵阳 六盘水 遵义 安顺 毕节 铜仁
云南: 昆明 曲靖 玉溪 保山 昭通 丽江 普洱* 临沧 大理 西双版纳
西藏: 拉萨 日喀则 昌都 林芝
陕西: 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康* 商洛
甘肃: 兰州 嘉峪关 金昌* 白银* 天水 武威 张掖 平凉 酒泉 庆阳 定西* 陇南
青海: 西宁 海东*
宁夏: 银川 石嘴山 吴忠 固原 中卫
新疆: 乌鲁木齐 克拉玛依 吐鲁番 哈密 喀什 伊犁 昌吉 库尔勒
台湾: 台北 高雄 台中 台南 新竹
香港: 香港
澳门: 澳门
中国: 中国";

/// Suffixes written after a place's name (广东省, 深圳市, 广西壮族自治区).
pub const PLACE_SUFFIXES: [&str; 8] =
    ["壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "地区", "省", "市"];

/// Readings the pinyin table gets wrong for place names (a character's first reading is not the
/// one the place uses), and the spellings English names use instead of pinyin, so "Chongqing",
/// "Shaanxi" and "Inner Mongolia" find their place. The first spelling of a place is its reading.
const READINGS: [(&str, &str); 24] = [
    ("重庆", "chongqing"),
    ("长沙", "changsha"),
    ("长春", "changchun"),
    ("长治", "changzhi"),
    ("成都", "chengdu"),
    ("昌都", "changdu"),
    ("佛山", "foshan"),
    ("乐清", "yueqing"),
    ("喀什", "kashi"),
    ("库尔勒", "kuerle"),
    ("蚌埠", "bengbu"),
    ("厦门", "xiamen"),
    ("六安", "luan"),
    ("陕西", "shaanxi"),
    ("西藏", "xizang"),
    ("西藏", "tibet"),
    ("内蒙古", "innermongolia"),
    ("内蒙古", "neimenggu"),
    ("哈尔滨", "harbin"),
    ("呼和浩特", "hohhot"),
    ("乌鲁木齐", "urumqi"),
    ("香港", "hongkong"),
    ("澳门", "macau"),
    ("中国", "china"),
];

/// A place: its name without suffix, the province it is in (itself for a province), and whether
/// it needs 市 or brackets to count at the start of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// 上海, 深圳.
    pub name: &'static str,
    /// 广东 for 深圳; 上海 for 上海.
    pub province: &'static str,
    /// 中山, 安康: also ordinary words.
    pub ambiguous: bool,
    /// The place's reading, as English names write it ("shenzhen").
    pub latin: String,
}

impl Place {
    /// Whether one place lies within the other or they are the same (深圳 and 广东 are, 深圳 and
    /// 广州 are not): a name written with its province and another with its city may be one company.
    pub fn compatible(&self, other: &Place) -> bool {
        self.name == other.name || self.province == other.name || other.province == self.name
    }
}

/// The table, read once.
pub struct Places {
    by_name: FxHashMap<&'static str, Place>,
    by_latin: FxHashMap<String, &'static str>,
    longest: usize,
}

/// The places, read from the table on first use.
pub fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(Places::read)
}

impl Places {
    fn read() -> Places {
        let mut by_name = FxHashMap::default();
        let mut by_latin = FxHashMap::default();
        for line in TABLE.lines() {
            let Some((province, cities)) = line.split_once(':') else { continue };
            let province = province.trim();
            let mut names: Vec<(&'static str, bool)> = vec![(province, false)];
            for city in cities.split_whitespace() {
                let ambiguous = city.ends_with('*');
                names.push((city.trim_end_matches('*'), ambiguous));
            }
            for (name, ambiguous) in names {
                let mut spellings: Vec<String> =
                    READINGS.iter().filter(|(zh, _)| *zh == name).map(|(_, latin)| (*latin).to_string()).collect();
                let plain = super::names::pinyin_plain(name);
                if spellings.is_empty() {
                    spellings.push(plain.clone());
                }
                // The plain reading finds the place too, unless another place owns it (山西 and
                // 陕西 both read "shanxi").
                spellings.push(plain);
                for latin in &spellings {
                    by_latin.entry(latin.clone()).or_insert(name);
                }
                by_name.entry(name).or_insert(Place { name, province, ambiguous, latin: spellings[0].clone() });
            }
        }
        let longest = by_name.keys().map(|n| n.chars().count()).max().unwrap_or(0);
        Places { by_name, by_latin, longest }
    }

    /// The place with this exact name (no suffix).
    pub fn get(&self, name: &str) -> Option<&Place> {
        self.by_name.get(name)
    }

    /// The place whose reading this is ("shenzhen", "hongkong").
    pub fn by_latin(&self, latin: &str) -> Option<&Place> {
        self.by_latin.get(latin).and_then(|name| self.by_name.get(name))
    }

    /// A place written alone, with or without its suffix (深圳市, 广东省, 上海).
    pub fn exact(&self, text: &str) -> Option<&Place> {
        if let Some(place) = self.get(text) {
            return Some(place);
        }
        PLACE_SUFFIXES.iter().find_map(|suffix| text.strip_suffix(suffix).and_then(|name| self.get(name)))
    }

    /// The longest place at the start of `chars`, and how many characters it takes with its
    /// suffix; an ambiguous place counts only with a suffix.
    pub fn at_start(&self, chars: &[char]) -> Option<(&Place, usize)> {
        for len in (2..=self.longest.min(chars.len())).rev() {
            let name: String = chars[..len].iter().collect();
            let Some(place) = self.get(&name) else { continue };
            let rest: String = chars[len..].iter().take(5).collect();
            let suffix = PLACE_SUFFIXES.iter().find(|s| rest.starts_with(**s)).map_or(0, |s| s.chars().count());
            if place.ambiguous && suffix == 0 {
                continue;
            }
            return Some((place, len + suffix));
        }
        None
    }

    /// The longest place at the end of `chars` (某某科技上海 → 上海), and how many characters it
    /// takes with its suffix; ambiguous places never count here.
    pub fn at_end(&self, chars: &[char]) -> Option<(&Place, usize)> {
        let n = chars.len();
        for suffix in PLACE_SUFFIXES.iter().map(|s| s.chars().count()).chain([0]) {
            if suffix > 0 {
                let written: String = chars[n.saturating_sub(suffix)..].iter().collect();
                if !PLACE_SUFFIXES.contains(&written.as_str()) || n < suffix {
                    continue;
                }
            }
            let end = n - suffix;
            for len in (2..=self.longest.min(end)).rev() {
                let name: String = chars[end - len..end].iter().collect();
                if let Some(place) = self.get(&name).filter(|p| !p.ambiguous) {
                    return Some((place, len + suffix));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_know_their_province_and_reading() {
        let places = places();
        let shenzhen = places.get("深圳").unwrap();
        assert_eq!(shenzhen.province, "广东");
        assert_eq!(shenzhen.latin, "shenzhen");
        assert!(shenzhen.compatible(places.get("广东").unwrap()));
        assert!(!shenzhen.compatible(places.get("广州").unwrap()));
        assert_eq!(places.by_latin("chongqing").unwrap().name, "重庆");
        assert_eq!(places.exact("广西壮族自治区").unwrap().name, "广西");
    }

    #[test]
    fn ambiguous_places_need_their_suffix_at_the_start() {
        let places = places();
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(places.at_start(&chars("中山大洋电机")).is_none());
        assert_eq!(places.at_start(&chars("中山市大洋电机")).unwrap().1, 3);
        assert_eq!(places.at_start(&chars("深圳腾讯")).unwrap().1, 2);
        assert_eq!(places.at_end(&chars("某某科技上海市")).unwrap().1, 3);
        assert!(places.at_end(&chars("某某科技中山")).is_none());
    }
}
