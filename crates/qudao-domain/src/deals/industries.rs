//! The industry words at the end of a company name (行业表述: 科技, 贸易, 食品) and their English
//! counterparts, so a name splits into trade name (字号) and industry, and 华为技术有限公司 can be
//! read against "Huawei Technologies Co., Ltd.".
//!
//! Chinese names compare industry words as written (科技 and 技术 are different companies'
//! words); English and Chinese names compare by concept (both are "tech").

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Each line: a concept, its Chinese words, `|`, its English words (a phrase joined by `_`).
const TABLE: &str = "\
tech: 科技 技术 | technology technologies tech sci-tech science_and_technology science_&_technology science_technology hi-tech high-tech
info: 信息 资讯 | information info
network: 网络 互联网 | network networks internet
software: 软件 | software
electronic: 电子 | electronic electronics
ecommerce: 电子商务 电商 | e-commerce ecommerce
commerce: 商务 | business
digital: 数码 数字 | digital
data: 数据 大数据 | data big_data
cloud: 云计算 | cloud cloud_computing
ai: 人工智能 | artificial_intelligence ai
smart: 智能 | intelligent smart intelligence
computer: 计算机 | computer computers
system: 系统 | system systems
integration: 集成 | integration
automation: 自动化 | automation
instrument: 仪器 仪表 | instrument instruments
equipment: 设备 | equipment
machinery: 机械 机电 | machinery mechanical
engineering: 工程 | engineering projects
construction: 建筑 建设 | construction building
decoration: 装饰 装修 | decoration
design: 设计 | design
consulting: 咨询 顾问 | consulting consultancy consultants advisory
management: 管理 企业管理 | management
service: 服务 | service services
trade: 贸易 商贸 | trading trade commerce commercial
international: 国际 | international
import_export: 进出口 | import_and_export import_&_export import_export
industrial: 实业 工业 | industrial industry industries
development: 发展 开发 | development developing
investment: 投资 | investment investments
holding: 控股 | holding holdings
group: 集团 | group
assets: 资产 | asset assets
finance: 金融 | finance financial
insurance: 保险 | insurance
securities: 证券 | securities
logistics: 物流 运输 快递 仓储 | logistics transport transportation express warehousing
supply_chain: 供应链 | supply_chain
food: 食品 | food foods foodstuff
beverage: 饮料 饮品 | beverage beverages drinks
catering: 餐饮 | catering restaurant
agriculture: 农业 | agriculture agricultural agri
biology: 生物 生物科技 | biological biology bio biotech biotechnology
pharma: 医药 药业 制药 | pharmaceutical pharmaceuticals pharma medicine
medical: 医疗 | medical healthcare
device: 器械 医疗器械 终端 | device devices
health: 健康 | health
chemical: 化工 化学 | chemical chemicals chemistry
material: 材料 新材料 | material materials new_material new_materials
energy: 能源 新能源 | energy new_energy
environment: 环保 环境 环保科技 | environmental environment environmental_protection
culture: 文化 文创 | culture cultural
media: 传媒 影视 | media film
advertising: 广告 营销 策划 | advertising marketing
education: 教育 培训 | education training
tourism: 旅游 | tourism travel
hotel: 酒店 | hotel hotels
real_estate: 房地产 置业 地产 | real_estate property properties
property_services: 物业 | property_management property_services
auto: 汽车 | automobile automobiles automotive auto motor
sales: 销售 | sales
manufacturing: 制造 | manufacturing manufacture
textile: 纺织 | textile textiles
apparel: 服装 服饰 | garment garments apparel clothing fashion
home: 家居 | home household
furniture: 家具 | furniture
building_material: 建材 | building_materials
steel: 钢铁 | steel iron_and_steel
metal: 金属 有色 | metal metals nonferrous
mining: 矿业 | mining
optoelectronic: 光电 | optoelectronic optoelectronics photoelectric
lighting: 照明 | lighting
semiconductor: 半导体 | semiconductor semiconductors
power: 电力 | power electric_power
electrical: 电气 | electrical electric
appliance: 电器 | appliance appliances
battery: 电池 | battery batteries
communication: 通信 通讯 | communication communications telecom telecommunications
paper: 纸业 | paper
printing: 印刷 | printing
packaging: 包装 | packaging
plastic: 塑胶 塑料 塑业 | plastic plastics
rubber: 橡胶 | rubber
hardware: 五金 | hardware
tea: 茶业 | tea
wine: 酒业 | wine liquor
dairy: 乳业 | dairy
water: 水务 | water
gas: 燃气 | gas
aviation: 航空 | aviation airlines
shipping: 航运 船舶 | shipping marine
sports: 体育 | sports
exhibition: 会展 | exhibition exhibitions
human_resources: 人力资源 劳务 | human_resources staffing
security: 安防 安全 | security
research: 研发 | research research_and_development
glass: 玻璃 | glass
products: 用品 制品 | products supplies
retail: 超市 零售 百货 商场 连锁 | supermarket supermarkets superstore superstores retail department_store chain
condiment: 调味 调味品 | flavouring flavoring seasoning condiment condiments
brewery: 酒厂 酿酒 | brewery distillery
innovation: 创新 | innovation innovative
beer: 啤酒 | beer";

/// Words that join English industry words and mean nothing alone ("Import and Export").
pub const JOINERS: [&str; 2] = ["and", "&"];

/// The table, read once: Chinese word → concept, English phrase → concept.
pub struct Industries {
    chinese: FxHashMap<&'static str, &'static str>,
    english: FxHashMap<String, &'static str>,
    longest_chinese: usize,
    longest_english: usize,
}

/// The industry words, read on first use.
pub fn industries() -> &'static Industries {
    static INDUSTRIES: OnceLock<Industries> = OnceLock::new();
    INDUSTRIES.get_or_init(Industries::read)
}

impl Industries {
    fn read() -> Industries {
        let mut chinese = FxHashMap::default();
        let mut english = FxHashMap::default();
        for line in TABLE.lines() {
            let Some((concept, words)) = line.split_once(':') else { continue };
            let (zh, en) = words.split_once('|').unwrap_or((words, ""));
            for word in zh.split_whitespace() {
                chinese.insert(word, concept.trim());
            }
            for phrase in en.split_whitespace() {
                english.insert(phrase.replace('_', " "), concept.trim());
            }
        }
        let longest_chinese = chinese.keys().map(|w| w.chars().count()).max().unwrap_or(0);
        let longest_english = english.keys().map(|p| p.split(' ').count()).max().unwrap_or(0);
        Industries { chinese, english, longest_chinese, longest_english }
    }

    /// The longest industry word at the end of `chars` that leaves at least `keep` characters
    /// before it: the word and its concept.
    pub fn chinese_at_end(&self, chars: &[char], keep: usize) -> Option<(&'static str, &'static str)> {
        let n = chars.len();
        for len in (2..=self.longest_chinese.min(n.saturating_sub(keep))).rev() {
            let word: String = chars[n - len..].iter().collect();
            if let Some((word, concept)) = self.chinese.get_key_value(word.as_str()) {
                return Some((*word, *concept));
            }
        }
        None
    }

    /// The concept of a Chinese industry word.
    pub fn concept_of(&self, word: &str) -> Option<&'static str> {
        self.chinese.get(word).copied()
    }

    /// The longest English industry phrase ending the `tokens`, leaving at least `keep` tokens:
    /// its length in tokens and its concept.
    pub fn english_at_end(&self, tokens: &[String], keep: usize) -> Option<(usize, &'static str)> {
        let n = tokens.len();
        for len in (1..=self.longest_english.min(n.saturating_sub(keep))).rev() {
            let phrase = tokens[n - len..].join(" ");
            if let Some(concept) = self.english.get(&phrase) {
                return Some((len, concept));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_word_wins_and_leaves_a_trade_name() {
        let chars: Vec<char> = "某某新能源".chars().collect();
        assert_eq!(industries().chinese_at_end(&chars, 2), Some(("新能源", "energy")));
        let chars: Vec<char> = "科技".chars().collect();
        assert_eq!(industries().chinese_at_end(&chars, 2), None);
        let tokens: Vec<String> = ["lvyuan", "import", "and", "export"].map(String::from).to_vec();
        assert_eq!(industries().english_at_end(&tokens, 1), Some((3, "import_export")));
    }
}
