//! An election's clock. A live election runs on the real clock; a drill (演练) has its own,
//! set when the drill is created and moved forward only by a district admin, running on from
//! where it was set so a whole election can be rehearsed in minutes under the same rules.
//! Instants are shown in the district's zone, China Standard Time (UTC+8, no daylight saving).

use time::{Date, OffsetDateTime, UtcOffset};

/// The district's offset: China Standard Time.
pub const DISTRICT_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The clock of one election.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Live,
    /// A drill: `base` at the real instant `set_at`.
    Drill {
        base: OffsetDateTime,
        set_at: OffsetDateTime,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvanceError {
    NotDrill,
    Backwards,
}

impl Clock {
    /// The election's now, given the real now, in the district's zone.
    pub fn now(&self, real_now: OffsetDateTime) -> OffsetDateTime {
        let t = match self {
            Clock::Live => real_now,
            Clock::Drill { base, set_at } => *base + (real_now - *set_at),
        };
        t.to_offset(DISTRICT_OFFSET)
    }

    /// The election's calendar day, in the district's zone.
    pub fn today(&self, real_now: OffsetDateTime) -> Date {
        self.now(real_now).date()
    }

    /// Moves a drill's clock to `to`; never backwards, never a live election's.
    pub fn advance(
        &self,
        to: OffsetDateTime,
        real_now: OffsetDateTime,
    ) -> Result<Clock, AdvanceError> {
        match self {
            Clock::Live => Err(AdvanceError::NotDrill),
            Clock::Drill { .. } if to < self.now(real_now) => Err(AdvanceError::Backwards),
            Clock::Drill { .. } => Ok(Clock::Drill {
                base: to,
                set_at: real_now,
            }),
        }
    }
}

/// RFC 3339 in the district's zone, e.g. `2024-05-20T09:00:00+08:00`.
pub fn format(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(DISTRICT_OFFSET)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Parses RFC 3339 (with an offset).
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

pub fn format_date(d: Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_drill_clock_runs_on_from_where_it_was_set() {
        let set_at = datetime!(2026-11-26 10:00 UTC);
        let clock = Clock::Drill {
            base: datetime!(2024-05-14 09:00 +08:00),
            set_at,
        };
        let later = set_at + time::Duration::minutes(30);
        assert_eq!(clock.now(later), datetime!(2024-05-14 09:30 +08:00));
        assert_eq!(format(clock.now(later)), "2024-05-14T09:30:00+08:00");
    }

    #[test]
    fn the_day_is_the_districts_day_not_utcs() {
        let real = datetime!(2026-11-26 17:30 UTC);
        assert_eq!(Clock::Live.today(real), time::macros::date!(2026 - 11 - 27));
    }

    #[test]
    fn a_drill_clock_moves_forward_only_and_a_live_one_not_at_all() {
        let set_at = datetime!(2026-11-26 10:00 UTC);
        let clock = Clock::Drill {
            base: datetime!(2024-05-14 09:00 +08:00),
            set_at,
        };
        assert_eq!(
            clock.advance(datetime!(2024-05-13 09:00 +08:00), set_at),
            Err(AdvanceError::Backwards)
        );
        let moved = clock
            .advance(datetime!(2024-05-20 08:00 +08:00), set_at)
            .expect("forward");
        assert_eq!(moved.now(set_at), datetime!(2024-05-20 08:00 +08:00));
        assert_eq!(
            Clock::Live.advance(set_at, set_at),
            Err(AdvanceError::NotDrill)
        );
    }

    #[test]
    fn dates_and_instants_parse_strictly() {
        assert!(parse_date("2024-05-20").is_some());
        assert!(parse_date("2024-5-20").is_none());
        assert!(parse_date("2024-02-30").is_none());
        assert!(parse("2024-05-20T09:00:00+08:00").is_some());
        assert!(parse("2024-05-20 09:00").is_none());
    }
}
