//! Chinese first, English switchable: the page language, kept in a cookie, and the console's
//! own words. Everything a rule says comes from the API in the same language
//! (`Accept-Language`).

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie(value: Option<&str>) -> Self {
        match value {
            Some("en") => Self::En,
            _ => Self::Zh,
        }
    }

    /// The BCP 47 tag, for `lang=` and `Accept-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }

    /// A contest's status in words.
    pub fn status(self, status: &str) -> &'static str {
        match (status, self) {
            ("nominating", Self::Zh) => "提名中",
            ("reviewing", Self::Zh) => "资格审查中",
            ("published", Self::Zh) => "候选人已公布",
            ("polling", Self::Zh) => "投票中",
            ("counted", Self::Zh) => "已计票",
            ("failed", Self::Zh) => "选举无效",
            ("announced", Self::Zh) => "已宣布结果",
            ("nominating", Self::En) => "nominating",
            ("reviewing", Self::En) => "under review",
            ("published", Self::En) => "list published",
            ("polling", Self::En) => "polling",
            ("counted", Self::En) => "counted",
            ("failed", Self::En) => "failed",
            ("announced", Self::En) => "announced",
            _ => "—",
        }
    }

    /// What is late, in words.
    pub fn late(self, code: &str) -> &'static str {
        match (code, self) {
            ("no_candidates", Self::Zh) => "提名期已过仍无候选人",
            ("list_not_published", Self::Zh) => "未按期公布候选人名单",
            ("poll_not_opened", Self::Zh) => "选举日未开始投票",
            ("result_not_announced", Self::Zh) => "选举结果未宣布",
            ("no_candidates", Self::En) => "no candidates after nominations closed",
            ("list_not_published", Self::En) => "list not published in time",
            ("poll_not_opened", Self::En) => "no poll on election day",
            ("result_not_announced", Self::En) => "result not announced",
            _ => "—",
        }
    }

    /// A position in words.
    pub fn position(self, position: &str) -> &'static str {
        match (position, self) {
            ("director", Self::Zh) => "主任",
            ("deputy_director", Self::Zh) => "副主任",
            ("member", Self::Zh) => "委员",
            ("director", Self::En) => "director",
            ("deputy_director", Self::En) => "deputy director",
            ("member", Self::En) => "member",
            _ => "—",
        }
    }

    /// An education level in words.
    pub fn education(self, level: &str) -> &'static str {
        match (level, self) {
            ("junior_high_or_below", Self::Zh) => "初中及以下",
            ("senior_high", Self::Zh) => "高中",
            ("vocational", Self::Zh) => "中专",
            ("associate", Self::Zh) => "大专",
            ("bachelor", Self::Zh) => "大学本科",
            ("master", Self::Zh) => "硕士研究生",
            ("doctorate", Self::Zh) => "博士研究生",
            ("junior_high_or_below", Self::En) => "junior high or below",
            ("senior_high", Self::En) => "senior high",
            ("vocational", Self::En) => "vocational",
            ("associate", Self::En) => "associate",
            ("bachelor", Self::En) => "bachelor's",
            ("master", Self::En) => "master's",
            ("doctorate", Self::En) => "doctorate",
            _ => "—",
        }
    }

    /// A role in words.
    pub fn role(self, role: &str) -> &'static str {
        match (role, self) {
            ("district_admin", Self::Zh) => "区管理员",
            ("district_reviewer", Self::Zh) => "区审查员",
            ("street_officer", Self::Zh) => "街道工作人员",
            ("community_officer", Self::Zh) => "社区工作人员",
            ("teller", Self::Zh) => "计票员",
            ("observer", Self::Zh) => "观察员",
            ("district_admin", Self::En) => "district admin",
            ("district_reviewer", Self::En) => "district reviewer",
            ("street_officer", Self::En) => "street officer",
            ("community_officer", Self::En) => "community officer",
            ("teller", Self::En) => "teller",
            ("observer", Self::En) => "observer",
            _ => "—",
        }
    }
}
