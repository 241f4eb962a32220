//! Importing streets and communities from CSV (`street,community,code`).
//!
//! Each line stands alone: a bad line is reported with its line number and reason, and the
//! good ones are kept. Existing streets and communities (same name) are reused, so importing
//! the same file twice creates nothing the second time.

use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Caller, Role};
use juxuan_platform::error::unique_violation;
use juxuan_platform::{AppError, AppResult};
use uuid::Uuid;

use crate::AUDIT;
use crate::areas::{Areas, Created, conflict_or_internal};
use crate::names::{AreaCode, AreaName};
use crate::scope::{self, AreaPath};
use crate::store::{self, CommunityRow, StreetRow};

/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub streets_created: u32,
    pub communities_created: u32,
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Rejected {
    pub line: u32,
    pub code: &'static str,
    pub reason: String,
}

enum Outcome {
    Created { street: bool, community: bool },
    Unchanged,
}

impl Areas {
    pub async fn import(
        &self,
        caller: &Caller,
        district_id: Uuid,
        csv_bytes: &[u8],
    ) -> AppResult<ImportReport> {
        caller.require_role(&[Role::DistrictAdmin])?;
        let district = match store::resolve(&self.pool, district_id).await? {
            Some((p, _)) if p.level == AreaLevel::District => p,
            _ => return Err(AppError::not_found("区", "District")),
        };
        scope::require_write(caller, &[Role::DistrictAdmin], &district)?;
        if csv_bytes.len() > MAX_BYTES {
            return Err(AppError::bad_request(
                "import.too_large",
                "文件超过 5 MB",
                "The file exceeds 5 MB",
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(csv_bytes);
        let headers = reader
            .headers()
            .map_err(|_| header_error())?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect::<Vec<_>>();
        let column = |name: &str| headers.iter().position(|h| h == name);
        let (Some(street_col), Some(community_col)) = (column("street"), column("community"))
        else {
            return Err(header_error());
        };
        let code_col = column("code");
        let mut report = ImportReport::default();
        let mut record = csv::StringRecord::new();
        let mut lines = crate::csv_lines::LineCounter::new(csv_bytes);
        loop {
            let line = lines.line_at(reader.position().byte());
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    report.rejected.push(Rejected {
                        line,
                        code: "import.malformed_line",
                        reason: format!("无法读取此行 / unreadable line: {e}"),
                    });
                    // Invalid UTF-8 or a broken quote: the reader cannot resynchronise safely.
                    break;
                }
            }
            let line = record.position().map_or(line, |p| lines.line_at(p.byte()));
            if record.iter().all(str::is_empty) {
                continue;
            }
            let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
            let parsed = AreaName::parse("street", field(Some(street_col)))
                .and_then(|s| Ok((s, AreaName::parse("community", field(Some(community_col)))?)))
                .and_then(|(s, c)| Ok((s, c, AreaCode::parse("code", field(code_col))?)));
            let (street, community, code) = match parsed {
                Ok(v) => v,
                Err(e) => {
                    report.rejected.push(reject(line, &e));
                    continue;
                }
            };
            match self
                .import_line(caller, &district, &street, &community, &code)
                .await
            {
                Ok(Outcome::Created { street, community }) => {
                    report.streets_created += u32::from(street);
                    report.communities_created += u32::from(community);
                }
                Ok(Outcome::Unchanged) => {}
                Err(e @ AppError::Client(_)) => report.rejected.push(reject(line, &e)),
                Err(e) => return Err(e),
            }
        }
        let mut conn = self.pool.acquire().await?;
        let change = serde_json::json!({
            "streets_created": report.streets_created,
            "communities_created": report.communities_created,
            "rejected": report.rejected.len(),
        });
        AUDIT
            .append(
                &mut conn,
                audit::Entry::by(caller, "area.imported", &district_id.to_string(), &change),
            )
            .await?;
        Ok(report)
    }

    /// One line in its own transaction.
    async fn import_line(
        &self,
        caller: &Caller,
        district: &AreaPath,
        street: &AreaName,
        community: &AreaName,
        code: &AreaCode,
    ) -> AppResult<Outcome> {
        let mut tx = self.pool.begin().await?;
        let (street_row, street_new) =
            match store::street_by_name(&mut tx, district.id, street.as_str()).await? {
                Some(row) => (row, false),
                None => {
                    let row = StreetRow {
                        id: Uuid::now_v7(),
                        district_id: district.id,
                        name: street.as_str().to_owned(),
                        code: None,
                    };
                    store::insert_street(&mut tx, &row)
                        .await
                        .map_err(conflict_or_internal)?;
                    let created = Created {
                        action: "area.street_created",
                        path: AreaPath::street(row.id, district.id),
                        name: &row.name,
                        code: None,
                        group: None,
                    };
                    self.record_created(&mut tx, caller, created).await?;
                    (row, true)
                }
            };
        if store::community_by_name(&mut tx, street_row.id, community.as_str())
            .await?
            .is_some()
        {
            tx.commit().await?;
            return Ok(if street_new {
                Outcome::Created {
                    street: true,
                    community: false,
                }
            } else {
                Outcome::Unchanged
            });
        }
        let row = CommunityRow {
            id: Uuid::now_v7(),
            street_id: street_row.id,
            district_id: district.id,
            name: community.as_str().to_owned(),
            code: code.as_deref().map(str::to_owned),
        };
        if let Err(e) = store::insert_community(&mut tx, &row).await {
            return Err(if unique_violation(&e).is_some() {
                conflict_or_internal(e)
            } else {
                e.into()
            });
        }
        let created = Created {
            action: "area.community_created",
            path: AreaPath::community(row.id, street_row.id, district.id),
            name: &row.name,
            code: row.code.as_deref(),
            group: None,
        };
        self.record_created(&mut tx, caller, created).await?;
        tx.commit().await?;
        Ok(Outcome::Created {
            street: street_new,
            community: true,
        })
    }
}

fn header_error() -> AppError {
    AppError::bad_request(
        "import.bad_header",
        "CSV 首行须为列名 street,community,code",
        "The CSV header row must be street,community,code",
    )
}

fn reject(line: u32, err: &AppError) -> Rejected {
    let wire = err.to_wire();
    let code = match wire.code.as_ref() {
        "area.invalid_name" => "area.invalid_name",
        "area.invalid_code" => "area.invalid_code",
        "area.duplicate_code" => "area.duplicate_code",
        "area.duplicate_name" => "area.duplicate_name",
        _ => "import.rejected",
    };
    let field = wire
        .errors
        .first()
        .map(|e| format!("{}: ", e.field))
        .unwrap_or_default();
    Rejected {
        line,
        code,
        reason: format!("{field}{} / {}", wire.detail.zh, wire.detail.en),
    }
}
