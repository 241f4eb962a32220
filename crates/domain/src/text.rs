//! Bilingual text: every message a person may read comes in zh-CN (the default) and English.
//! The strings themselves live in the private `messages` module, in one place.

use serde::{Deserialize, Serialize};

/// A language the services answer in (`Accept-Language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 简体中文, the default everywhere.
    #[default]
    Zh,
    /// English.
    En,
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    /// 简体中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// Both versions of one message.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The message in one language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl std::fmt::Display for Text {
    /// The Chinese text, the default language of the system.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.zh)
    }
}
