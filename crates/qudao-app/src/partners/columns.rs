//! The columns of partner sheets, shared by import and export so that an export can be edited and
//! imported again.

/// One column: its field key, its Chinese and English headers, and other headers people use.
pub(crate) struct Column {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub aliases: &'static [&'static str],
    /// Export-only columns are accepted on import and ignored.
    pub export_only: bool,
}

/// Every column, in export order.
pub(crate) const COLUMNS: &[Column] = &[
    Column { key: "code", zh: "编码", en: "Code", aliases: &[], export_only: true },
    Column { key: "name", zh: "名称", en: "Name", aliases: &["公司名称", "企业名称"], export_only: false },
    Column { key: "name_en", zh: "英文名称", en: "English name", aliases: &[], export_only: false },
    Column { key: "short_name", zh: "简称", en: "Short name", aliases: &[], export_only: false },
    Column { key: "kind", zh: "类型", en: "Kind", aliases: &["伙伴类型"], export_only: false },
    Column { key: "tier", zh: "等级", en: "Tier", aliases: &[], export_only: false },
    Column {
        key: "region", zh: "地区", en: "Region", aliases: &["城市", "区域", "地区编码"], export_only: false
    },
    Column { key: "region_name", zh: "地区名称", en: "Region name", aliases: &[], export_only: true },
    Column {
        key: "parent", zh: "上级", en: "Parent", aliases: &["上级经销商", "上级编码"], export_only: false
    },
    Column {
        key: "credit_code",
        zh: "统一社会信用代码",
        en: "Credit code",
        aliases: &["信用代码", "unified social credit code"],
        export_only: false,
    },
    Column { key: "status", zh: "状态", en: "Status", aliases: &[], export_only: false },
    Column { key: "contact_name", zh: "联系人", en: "Contact", aliases: &["contact name"], export_only: false },
    Column {
        key: "contact_phone",
        zh: "联系电话",
        en: "Contact phone",
        aliases: &["电话", "手机", "phone"],
        export_only: false,
    },
    Column {
        key: "contact_email",
        zh: "邮箱",
        en: "Contact e-mail",
        aliases: &["电子邮箱", "email"],
        export_only: false,
    },
    Column { key: "remark", zh: "备注", en: "Remark", aliases: &[], export_only: false },
];

/// A column a partner import reads, as the import page describes it and its template lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportColumn {
    /// The field key (`name`, `credit_code`); field errors of an import report name it.
    pub key: &'static str,
    /// The Chinese header.
    pub zh: &'static str,
    /// The English header.
    pub en: &'static str,
    /// Other headers accepted for it.
    pub aliases: &'static [&'static str],
    /// Whether every row needs a value in it for the row to be imported.
    pub required: bool,
}

/// The columns an import accepts, in template order: every column but the export-only ones.
pub fn import_columns() -> Vec<ImportColumn> {
    COLUMNS
        .iter()
        .filter(|c| !c.export_only)
        .map(|c| ImportColumn {
            key: c.key,
            zh: c.zh,
            en: c.en,
            aliases: c.aliases,
            required: matches!(c.key, "name" | "kind" | "tier" | "region"),
        })
        .collect()
}

/// The column a header names, by key, Chinese or English header or alias (case-insensitive).
pub(crate) fn column_for(header: &str) -> Option<&'static Column> {
    let wanted = qudao_domain::text::clean(header, false).to_lowercase();
    COLUMNS.iter().find(|c| {
        c.key == wanted
            || c.zh == wanted
            || c.en.to_lowercase() == wanted
            || c.aliases.iter().any(|a| a.to_lowercase() == wanted)
    })
}

/// Words people write for partner kinds and statuses, mapped to their codes.
pub(crate) fn code_for_label(field: &str, value: &str) -> String {
    let v = value.trim();
    let table: &[(&str, &str)] = match field {
        "kind" => &[
            ("经销商", "distributor"),
            ("分销商", "sub_dealer"),
            ("二级经销商", "sub_dealer"),
            ("二级经销", "sub_dealer"),
            ("代理商", "agent"),
            ("门店", "retailer"),
            ("零售商", "retailer"),
            ("distributor", "distributor"),
            ("sub-dealer", "sub_dealer"),
            ("sub dealer", "sub_dealer"),
            ("agent", "agent"),
            ("retailer", "retailer"),
        ],
        "status" => &[
            ("潜在", "prospect"),
            ("意向", "prospect"),
            ("合作中", "active"),
            ("正常", "active"),
            ("暂停", "suspended"),
            ("终止", "terminated"),
            ("prospect", "prospect"),
            ("active", "active"),
            ("suspended", "suspended"),
            ("terminated", "terminated"),
        ],
        _ => &[],
    };
    table
        .iter()
        .find(|(label, _)| label.eq_ignore_ascii_case(v))
        .map(|(_, code)| code.to_string())
        .unwrap_or_else(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_in_both_languages() {
        assert_eq!(column_for("名称").unwrap().key, "name");
        assert_eq!(column_for(" Credit code ").unwrap().key, "credit_code");
        assert_eq!(column_for("统一社会信用代码").unwrap().key, "credit_code");
        assert!(column_for("colour").is_none());
        assert!(import_columns().iter().all(|c| column_for(c.zh).is_some_and(|f| f.key == c.key)));
        assert!(!import_columns().iter().any(|c| c.key == "code"));
        assert_eq!(code_for_label("kind", "二级经销商"), "sub_dealer");
        assert_eq!(code_for_label("status", "Active"), "active");
    }
}
