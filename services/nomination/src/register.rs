//! The voter register (选民登记) use cases: one voter, a file import, search.
//!
//! An import reads the file line by line, rejects each bad line with its line number and
//! reason, and writes the good ones in batches of one statement each: new people are added,
//! changed ones updated, unchanged ones left alone, so importing the same file again changes
//! nothing. A person registered in another community is reported, never moved (R-VOTER-AGE:
//! one person, one community).

use std::collections::{HashMap, HashSet};

use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Caller};
use juxuan_platform::error::{FieldError, Kind, Text};
use juxuan_platform::{AppError, AppResult};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::AUDIT;
use crate::identity;
use crate::names::Page;
use crate::pii::IdHasher;
use crate::register_file::{self, FileError, RawLine, parse_flag};
use crate::register_store::{self as store, NewVoter, VoterRow};
use crate::scope::{self, AreaPath};

/// Rows written per statement.
const BATCH: usize = 1000;
/// Largest register file accepted.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Who keeps a register: the community's officer, its street's, the district admin.
use crate::scope::KEEPERS;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: u32,
    pub updated: u32,
    pub rejected: Vec<(u32, &'static str, String)>,
}

#[derive(Clone)]
pub struct Register {
    pub(crate) pool: PgPool,
    pub(crate) hasher: IdHasher,
}

/// A line's problem: code and reason in both languages.
struct LineError {
    field: &'static str,
    code: &'static str,
    zh: String,
    en: String,
}

impl LineError {
    fn new(
        field: &'static str,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            field,
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl Register {
    pub fn new(pool: PgPool, hasher: IdHasher) -> Self {
        Self { pool, hasher }
    }

    async fn community(&self, id: Uuid) -> AppResult<AreaPath> {
        match crate::store::resolve(&self.pool, id).await? {
            Some((path, _)) if path.level == AreaLevel::Community => Ok(path),
            _ => Err(AppError::not_found("社区", "Community")),
        }
    }

    /// Checks one line and turns it into a voter to write.
    fn parse_line(
        &self,
        raw: &RawLine,
        groups: &HashMap<String, Uuid>,
    ) -> Result<NewVoter, LineError> {
        let name = raw.name.trim();
        if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
            return Err(LineError::new(
                "name",
                "voter.invalid_name",
                "姓名须为 1 至 50 个字符",
                "A name has 1 to 50 characters",
            ));
        }
        let id = identity::parse(&raw.id_number)
            .map_err(|(code, zh, en)| LineError::new("id_number", code, zh, en))?;
        let gender = match raw.gender.trim() {
            "" => id.gender,
            "男" | "male" | "M" | "m" => "male",
            "女" | "female" | "F" | "f" => "female",
            _ => {
                return Err(LineError::new(
                    "gender",
                    "voter.invalid_gender",
                    "性别须为“男”或“女”",
                    "Gender is 男 or 女",
                ));
            }
        };
        if gender != id.gender {
            return Err(LineError::new(
                "gender",
                "voter.gender_mismatch",
                "性别与身份证号不符",
                "The gender does not match the identity number",
            ));
        }
        let resident_group_id = match raw.resident_group.trim() {
            "" => None,
            group => Some(*groups.get(group).ok_or_else(|| {
                LineError::new(
                    "resident_group",
                    "voter.unknown_resident_group",
                    format!("居民小组“{group}”不存在"),
                    format!("No resident group named {group}"),
                )
            })?),
        };
        let flag = |field: &'static str, raw: &str| {
            parse_flag(raw).ok_or_else(|| {
                LineError::new(
                    field,
                    "voter.invalid_flag",
                    "须为 是/否、true/false 或 1/0",
                    "Must be 是/否, true/false or 1/0",
                )
            })
        };
        let household_no = raw.household_no.trim();
        if household_no.chars().count() > 32 || household_no.chars().any(char::is_control) {
            return Err(LineError::new(
                "household_no",
                "voter.invalid_household_no",
                "户号最多 32 个字符",
                "A household number has at most 32 characters",
            ));
        }
        Ok(NewVoter {
            line: raw.line,
            name: name.to_owned(),
            id_hash: self.hasher.hash(&id.normalised),
            id_masked: id.masked,
            gender,
            birth_date: id.birth_date,
            household_no: household_no.to_owned(),
            resident_group_id,
            household_rep: flag("household_rep", &raw.household_rep)?,
            resident_rep: flag("resident_rep", &raw.resident_rep)?,
        })
    }

    async fn groups(&self, community_id: Uuid) -> AppResult<HashMap<String, Uuid>> {
        Ok(store::group_ids(&self.pool, community_id)
            .await?
            .into_iter()
            .collect())
    }

    /// Registers one voter.
    pub async fn add(
        &self,
        caller: &Caller,
        community_id: Uuid,
        raw: RawLine,
    ) -> AppResult<VoterRow> {
        caller.require_role(KEEPERS)?;
        let community = self.community(community_id).await?;
        scope::require_write(caller, KEEPERS, &community)?;
        let voter = self
            .parse_line(&raw, &self.groups(community_id).await?)
            .map_err(|e| {
                AppError::invalid_fields(vec![FieldError {
                    field: e.field.to_owned(),
                    code: e.code.into(),
                    message: Text::new(e.zh, e.en),
                }])
            })?;
        let mut tx = self.pool.begin().await?;
        if let Some(existing) = store::voter_by_hash(&mut tx, &voter.id_hash).await? {
            return Err(if existing.community_id == community_id {
                AppError::new(
                    Kind::Conflict,
                    "voter.already_registered",
                    Text::new(
                        "此人已在本社区登记",
                        "This person is already registered here",
                    ),
                )
            } else {
                elsewhere()
            });
        }
        store::upsert(&mut tx, community_id, std::slice::from_ref(&voter)).await?;
        let row = store::voter_by_hash(&mut tx, &voter.id_hash)
            .await?
            .ok_or_else(elsewhere)?;
        let change = serde_json::json!({"name": row.name, "id_number": row.id_masked, "household_no": row.household_no});
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "voter.registered", &row.id.to_string(), &change),
            )
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Imports a CSV or XLSX register file.
    pub async fn import(
        &self,
        caller: &Caller,
        community_id: Uuid,
        content_type: &str,
        file: &[u8],
    ) -> AppResult<ImportReport> {
        caller.require_role(KEEPERS)?;
        let community = self.community(community_id).await?;
        scope::require_write(caller, KEEPERS, &community)?;
        if file.len() > MAX_FILE_BYTES {
            return Err(AppError::bad_request(
                "import.too_large",
                "文件超过 32 MB",
                "The file exceeds 32 MB",
            ));
        }
        let groups = self.groups(community_id).await?;
        let mut report = ImportReport::default();
        let mut good: Vec<NewVoter> = Vec::new();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut each = |line: Result<RawLine, register_file::Unreadable>| {
            match line {
            Err(u) => report.rejected.push((u.line, "import.malformed_line", format!("无法读取此行 / unreadable line: {}", u.reason))),
            Ok(raw) => match self.parse_line(&raw, &groups) {
                Err(e) => report.rejected.push((raw.line, e.code, format!("{}: {} / {}", e.field, e.zh, e.en))),
                Ok(voter) if !seen.insert(voter.id_hash.clone()) => report.rejected.push((
                    voter.line,
                    "voter.duplicate_in_file",
                    "id_number: 同一身份证号在文件中重复出现 / the identity number appears twice in the file".into(),
                )),
                Ok(voter) => good.push(voter),
            },
        }
        };
        let read = if content_type.starts_with(register_file::XLSX) {
            register_file::read_xlsx(file, &mut each)
        } else if content_type.starts_with(register_file::CSV)
            || content_type.starts_with("text/plain")
        {
            register_file::read_csv(file, &mut each)
        } else {
            return Err(AppError::bad_request(
                "request.unsupported_media_type",
                "文件须为 CSV（text/csv）或 XLSX",
                "The file must be CSV (text/csv) or XLSX",
            ));
        };
        read.map_err(|e| match e {
            FileError::MissingColumn(c) => AppError::bad_request(
                "import.bad_header",
                format!("首行缺少列 {c}（须有 name,id_number,gender,household_no,resident_group,household_rep,resident_rep）"),
                format!("The header row lacks the column {c} (expected name,id_number,gender,household_no,resident_group,household_rep,resident_rep)"),
            ),
            FileError::Unreadable(why) => AppError::bad_request("import.unreadable", format!("无法读取文件：{why}"), format!("The file cannot be read: {why}")),
        })?;
        let mut digest = Sha256::new();
        for batch in good.chunks(BATCH) {
            let mut tx = self.pool.begin().await?;
            let hashes: Vec<Vec<u8>> = batch.iter().map(|v| v.id_hash.clone()).collect();
            let elsewhere: HashSet<Vec<u8>> = store::registrations(&mut tx, &hashes)
                .await?
                .into_iter()
                .filter(|(_, c)| *c != community_id)
                .map(|(h, _)| h)
                .collect();
            let mut writable = Vec::with_capacity(batch.len());
            for voter in batch {
                if elsewhere.contains(&voter.id_hash) {
                    report.rejected.push((
                        voter.line,
                        "voter.registered_elsewhere",
                        "id_number: 此人已在其他社区登记 / registered in another community".into(),
                    ));
                } else {
                    digest.update(&voter.id_hash);
                    writable.push(voter.clone());
                }
            }
            let (new, changed) = store::upsert(&mut tx, community_id, &writable).await?;
            tx.commit().await?;
            report.imported += new;
            report.updated += changed;
        }
        report.rejected.sort_by_key(|(line, _, _)| *line);
        let mut conn = self.pool.acquire().await?;
        let change = serde_json::json!({
            "imported": report.imported, "updated": report.updated, "rejected": report.rejected.len(),
            "people_digest": hex::encode(digest.finalize()),
        });
        AUDIT
            .append(
                &mut conn,
                audit::Entry::by(
                    caller,
                    "voter.register_imported",
                    &community_id.to_string(),
                    &change,
                ),
            )
            .await?;
        tracing::info!(community.id = %community_id, imported = report.imported, updated = report.updated, rejected = report.rejected.len(), "register imported");
        Ok(report)
    }

    /// Voters of a community, searched by name, household or group.
    pub async fn list(
        &self,
        caller: &Caller,
        community_id: Uuid,
        q: Option<&str>,
        page: Page,
    ) -> AppResult<(Vec<VoterRow>, String)> {
        let community = self.community(community_id).await?;
        scope::require_read(caller, &community)?;
        if q.is_some_and(|q| q.chars().any(char::is_control) || q.chars().count() > 50) {
            return Err(AppError::invalid_field(
                "q",
                "request.invalid_query",
                Text::new(
                    "搜索词最多 50 个字符，且不含控制字符",
                    "A search has at most 50 characters and no control characters",
                ),
            ));
        }
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        // A whole identity number finds its holder (by the keyed hash; the number is not
        // stored), so the venue can check in by number as well as by name.
        let by_number = q
            .and_then(|q| crate::identity::parse(q).ok())
            .map(|id| self.hasher.hash(&id.normalised));
        let rows = match by_number {
            Some(hash) => {
                store::voters_by_hash(&self.pool, community_id, &hash, page.after, page.limit)
                    .await?
            }
            None => store::voters(&self.pool, community_id, q, page.after, page.limit).await?,
        };
        Ok(page.finish(rows, |r| r.id))
    }
}

fn elsewhere() -> AppError {
    AppError::new(
        Kind::Conflict,
        "voter.registered_elsewhere",
        Text::new(
            "此人已在其他社区登记",
            "This person is registered in another community",
        ),
    )
}
