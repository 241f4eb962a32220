//! Areas, elections and contests (R-AREA, R-ELECTION, R-TERM): the shapes every other rule
//! works on.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{RuleId, Text, calendar, messages};

/// A level of the area hierarchy (R-AREA): a district (区) contains streets (街道), a street
/// contains communities (社区), a community contains resident groups (居民小组).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// 区.
    District,
    /// 街道.
    Street,
    /// 社区.
    Community,
    /// 居民小组.
    ResidentGroup,
}

impl AreaLevel {
    /// The level directly above (R-AREA); `None` for the district.
    pub fn parent(self) -> Option<Self> {
        match self {
            Self::District => None,
            Self::Street => Some(Self::District),
            Self::Community => Some(Self::Street),
            Self::ResidentGroup => Some(Self::Community),
        }
    }

    /// Whether an area of this level can contain areas of `inner` (R-AREA), e.g. a street
    /// contains communities and resident groups but not districts.
    pub fn contains(self, inner: Self) -> bool {
        self < inner
    }
}

/// 换届 or 补选 (R-ELECTION).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionKind {
    /// 换届选举: the whole committee at the end of its term.
    General,
    /// 补选: vacancies during the term.
    ByElection,
}

/// A live election or a drill (演练) with its own clock (R-ELECTION).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionMode {
    /// Real.
    Live,
    /// 演练: the same rules on a clock an administrator moves.
    Drill,
}

/// Who votes (R-ELECTION, R-ELECTORATE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionMethod {
    /// 全体选民: every registered voter.
    AllVoters,
    /// 户代表: one representative per household.
    HouseholdRepresentatives,
    /// 居民代表: the residents' representatives, 2–3 per resident group.
    ResidentRepresentatives,
}

/// A post on the committee (R-ELECTION). Ordered from the highest post down, so
/// `Position::Director < Position::Member`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// 主任.
    Director,
    /// 副主任.
    DeputyDirector,
    /// 委员.
    Member,
}

impl Position {
    /// Every position, highest first.
    pub const ALL: [Self; 3] = [Self::Director, Self::DeputyDirector, Self::Member];

    /// The stable name, as in API.md (`director`, `deputy_director`, `member`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Director => "director",
            Self::DeputyDirector => "deputy_director",
            Self::Member => "member",
        }
    }

    /// Whether this is a higher post than `other` (R-BALLOT-VALID: a person marked for both
    /// counts for the higher only).
    pub fn is_higher_than(self, other: Self) -> bool {
        self < other
    }

    /// The post's name in both languages.
    pub fn name(self) -> Text {
        messages::position(self)
    }

    /// The most seats one contest may have for the position: one director (主任), at most two
    /// deputies (副主任), and members up to the committee's largest size of nine
    /// (城市居民委员会组织法 第七条: 5–9 members).
    pub fn max_seats(self) -> u8 {
        match self {
            Self::Director => 1,
            Self::DeputyDirector => 2,
            Self::Member => Seats::MAX_COMMITTEE,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A number of seats to fill: 1 to 9 (a committee has 5–9 members; a by-election may fill one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Seats(u8);

impl Seats {
    /// The largest committee (组织法 第七条).
    pub const MAX_COMMITTEE: u8 = 9;

    /// Seats from a number, refused outside 1–9.
    pub fn new(n: u32) -> Result<Self, ContestError> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=Self::MAX_COMMITTEE).contains(n))
            .map(Self)
            .ok_or(ContestError::InvalidSeats {
                position: None,
                seats: n,
            })
    }

    /// The number.
    pub fn get(self) -> u32 {
        u32::from(self.0)
    }
}

impl TryFrom<u32> for Seats {
    type Error = ContestError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<Seats> for u32 {
    fn from(s: Seats) -> u32 {
        s.get()
    }
}

/// The positions a community elects in one election, with their seats (R-ELECTION). Each
/// position appears once; kept highest post first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<PositionSeats>", into = "Vec<PositionSeats>")]
pub struct Contest {
    positions: Vec<PositionSeats>,
}

/// One position of a contest and its seats; JSON `{"position": "member", "seats": 1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PositionSeats {
    /// The post.
    pub position: Position,
    /// How many to elect.
    pub seats: Seats,
}

/// Why a contest's positions were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContestError {
    /// No position at all.
    #[error("a contest elects at least one position")]
    NoPositions,
    /// A position listed twice.
    #[error("position {0} is listed twice")]
    DuplicatePosition(Position),
    /// Seats outside what the position or the committee allows.
    #[error("{seats} seats are not allowed here")]
    InvalidSeats {
        /// The position, when known.
        position: Option<Position>,
        /// The seats asked for.
        seats: u32,
    },
}

impl ContestError {
    /// The stable code: `contest.no_positions`, `contest.duplicate_position`,
    /// `contest.invalid_seats`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoPositions => "contest.no_positions",
            Self::DuplicatePosition(_) => "contest.duplicate_position",
            Self::InvalidSeats { .. } => "contest.invalid_seats",
        }
    }

    /// The refusal in zh and en.
    pub fn message(&self) -> Text {
        messages::contest_error(self)
    }

    /// The rule: R-ELECTION.
    pub fn rule(&self) -> RuleId {
        RuleId::Election
    }
}

impl Contest {
    /// A contest's positions, checked: at least one, each once, seats within the position's
    /// limit (one director, at most two deputies) and at most nine seats in all.
    pub fn new(mut positions: Vec<PositionSeats>) -> Result<Self, ContestError> {
        if positions.is_empty() {
            return Err(ContestError::NoPositions);
        }
        positions.sort_by_key(|p| p.position);
        for pair in positions.windows(2) {
            if pair[0].position == pair[1].position {
                return Err(ContestError::DuplicatePosition(pair[0].position));
            }
        }
        for p in &positions {
            if p.seats.get() > u32::from(p.position.max_seats()) {
                return Err(ContestError::InvalidSeats {
                    position: Some(p.position),
                    seats: p.seats.get(),
                });
            }
        }
        let total: u32 = positions.iter().map(|p| p.seats.get()).sum();
        if total > u32::from(Seats::MAX_COMMITTEE) {
            return Err(ContestError::InvalidSeats {
                position: None,
                seats: total,
            });
        }
        Ok(Self { positions })
    }

    /// The positions, highest post first.
    pub fn positions(&self) -> &[PositionSeats] {
        &self.positions
    }

    /// The seats of a position, `None` when the contest does not elect it.
    pub fn seats(&self, position: Position) -> Option<Seats> {
        self.positions
            .iter()
            .find(|p| p.position == position)
            .map(|p| p.seats)
    }

    /// All seats of the contest.
    pub fn total_seats(&self) -> u32 {
        self.positions.iter().map(|p| p.seats.get()).sum()
    }
}

impl TryFrom<Vec<PositionSeats>> for Contest {
    type Error = ContestError;
    fn try_from(v: Vec<PositionSeats>) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Contest> for Vec<PositionSeats> {
    fn from(c: Contest) -> Self {
        c.positions
    }
}

/// The day a committee's term ends (R-TERM): a general election starts a term of the profile's
/// years (5) on election day; a by-elected member serves the rest of the current term, so the
/// caller passes that term's end when it is known.
pub fn term_ends_on(
    kind: ElectionKind,
    election_day: Date,
    current_term_ends_on: Option<Date>,
    term_years: u32,
) -> Option<Date> {
    match (kind, current_term_ends_on) {
        (ElectionKind::ByElection, Some(end)) => Some(end),
        _ => calendar::add_years(election_day, i32::try_from(term_years).ok()?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ps(position: Position, seats: u32) -> PositionSeats {
        PositionSeats {
            position,
            seats: Seats::new(seats).expect("seats"),
        }
    }

    #[test]
    fn r_area_a_street_contains_communities_and_groups_but_not_districts() {
        assert!(AreaLevel::District.contains(AreaLevel::Street));
        assert!(AreaLevel::Street.contains(AreaLevel::Community));
        assert!(AreaLevel::Street.contains(AreaLevel::ResidentGroup));
        assert!(!AreaLevel::Street.contains(AreaLevel::District));
        assert!(!AreaLevel::Community.contains(AreaLevel::Community));
        assert_eq!(
            AreaLevel::ResidentGroup.parent(),
            Some(AreaLevel::Community)
        );
        assert_eq!(AreaLevel::District.parent(), None);
    }

    #[test]
    fn r_election_seats_run_from_one_to_nine() {
        assert!(Seats::new(0).is_err());
        assert!(Seats::new(1).is_ok());
        assert!(Seats::new(9).is_ok());
        let err = Seats::new(10).expect_err("too many");
        assert_eq!(err.code(), "contest.invalid_seats");
    }

    #[test]
    fn r_election_the_seed_by_election_contests_are_valid() {
        // 文良, 新苑, 平台, 南岭 each elect 1 member; 东苑 elects 1 director.
        let member = Contest::new(vec![ps(Position::Member, 1)]).expect("valid");
        assert_eq!(member.total_seats(), 1);
        let director = Contest::new(vec![ps(Position::Director, 1)]).expect("valid");
        assert_eq!(director.seats(Position::Director).map(Seats::get), Some(1));
        assert_eq!(director.seats(Position::Member), None);
    }

    #[test]
    fn r_election_one_director_two_deputies_and_nine_seats_at_most() {
        let cases = [
            (vec![], "contest.no_positions"),
            (vec![ps(Position::Director, 2)], "contest.invalid_seats"),
            (
                vec![ps(Position::DeputyDirector, 3)],
                "contest.invalid_seats",
            ),
            (
                vec![ps(Position::Member, 1), ps(Position::Member, 2)],
                "contest.duplicate_position",
            ),
            (
                vec![
                    ps(Position::Director, 1),
                    ps(Position::DeputyDirector, 2),
                    ps(Position::Member, 7),
                ],
                "contest.invalid_seats",
            ),
        ];
        for (positions, code) in cases {
            assert_eq!(Contest::new(positions).expect_err("refused").code(), code);
        }
        let full = Contest::new(vec![
            ps(Position::Member, 6),
            ps(Position::Director, 1),
            ps(Position::DeputyDirector, 2),
        ])
        .expect("9 seats");
        assert_eq!(
            full.positions()[0].position,
            Position::Director,
            "highest first"
        );
    }

    #[test]
    fn r_term_a_by_elected_member_serves_the_rest_of_the_term() {
        assert_eq!(
            term_ends_on(ElectionKind::General, date!(2026 - 06 - 20), None, 5),
            Some(date!(2031 - 06 - 20))
        );
        assert_eq!(
            term_ends_on(
                ElectionKind::ByElection,
                date!(2024 - 05 - 28),
                Some(date!(2026 - 12 - 31)),
                5
            ),
            Some(date!(2026 - 12 - 31))
        );
    }

    #[test]
    fn a_contest_reads_and_writes_api_json() {
        let c: Contest =
            serde_json::from_str(r#"[{"position":"member","seats":1}]"#).expect("json");
        assert_eq!(c.total_seats(), 1);
        assert!(serde_json::from_str::<Contest>(r#"[{"position":"member","seats":0}]"#).is_err());
        assert_eq!(
            serde_json::to_string(&c).expect("json"),
            r#"[{"position":"member","seats":1}]"#
        );
    }
}
