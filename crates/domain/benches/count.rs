//! Counting a large direct election: 1,000,000 ballots of a 7-seat contest (members) with 15
//! candidates, written in (另选他人) now and then, some blank, over-voted or spoiled.
//!
//! `cargo bench -p juxuan-domain` prints the time of `count_round` (reading every ballot,
//! quorum, thresholds, seats, and the order-independent SHA-256 digest of the ballots), and of
//! parsing the ballots as cast against the ballot paper.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use juxuan_domain::{
    Ballot, BallotChoices, Candidate, CandidateId, Choice, PersonKey, Poll, PollPosition, Position,
    ProfileName, RoundFacts, RoundKind, RuleProfile, Seats, WriteInRegister, ballots_digest,
    count_round,
};

const BALLOTS: usize = 1_000_000;
const CANDIDATES: usize = 15;
const SEATS: u32 = 7;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A candidate index, the first ones more popular.
    fn candidate(&mut self) -> usize {
        let r = (self.next() % 10_000) as f64 / 10_000.0;
        ((r * r) * CANDIDATES as f64) as usize
    }
}

fn poll() -> Poll {
    let candidates = (0..CANDIDATES)
        .map(|i| Candidate {
            candidate_id: CandidateId::new(format!("0190a5c4-0000-7000-8000-{i:012}")),
            person: PersonKey::new(format!("person-{i}")),
            name: format!("候选人{i:02}"),
        })
        .collect();
    Poll::new(
        1,
        vec![PollPosition {
            position: Position::Member,
            seats: Seats::new(SEATS).expect("7 seats"),
            kind: RoundKind::Regular,
            candidates,
        }],
    )
    .expect("poll")
}

fn cast_ballots(poll: &Poll) -> Vec<BallotChoices> {
    let ids: Vec<CandidateId> = poll.positions()[0]
        .candidates
        .iter()
        .map(|c| c.candidate_id.clone())
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..BALLOTS)
        .map(|_| {
            let roll = rng.next() % 1000;
            let (marks, write_in, spoiled) = match roll {
                0..=9 => (0, false, true),    // 1% spoiled
                10..=39 => (0, false, false), // 3% blank
                40..=49 => (8, false, false), // 1% over-voted
                50..=69 => (6, true, false),  // 2% with a write-in
                70..=169 => (3 + (roll % 4) as usize, false, false),
                _ => (7, false, false),
            };
            let mut chosen: Vec<usize> = Vec::with_capacity(marks);
            while chosen.len() < marks {
                let c = rng.candidate();
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            let write_ins = if write_in {
                vec![["王五", "赵六", "孙七"][(rng.next() % 3) as usize].to_owned()]
            } else {
                vec![]
            };
            BallotChoices {
                choices: vec![Choice {
                    position: Position::Member,
                    candidate_ids: chosen.iter().map(|&i| ids[i].clone()).collect(),
                    write_ins,
                }],
                spoiled,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let poll = poll();
    let cast = cast_ballots(&poll);
    let ballots: Vec<Ballot> = cast
        .iter()
        .map(|b| poll.ballot(b).expect("fits the poll"))
        .collect();
    let register = WriteInRegister::new([
        ("王五", PersonKey::new("voter-wang")),
        ("赵六", PersonKey::new("voter-zhao")),
    ]);
    let profile = RuleProfile::named(ProfileName::Cn2026);
    let n = ballots.len() as u64;
    let facts = RoundFacts {
        electorate: n + n / 10,
        checked_in: n,
        ballots_issued: n,
        ballots_returned: n,
    };
    let tally = count_round(&poll, &facts, &ballots, &register, &profile).expect("counted");
    println!(
        "1,000,000 ballots: {} valid, {} invalid, {} elected, threshold {} votes",
        tally.valid_ballots,
        tally.invalid_ballots,
        tally.elected().len(),
        tally.positions[0].threshold_votes
    );

    let mut group = c.benchmark_group("count");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("count_round 1M ballots, 7 seats, 15 candidates", |b| {
        b.iter(|| {
            count_round(
                black_box(&poll),
                black_box(&facts),
                black_box(&ballots),
                &register,
                &profile,
            )
        })
    });
    group.bench_function("ballots_digest 1M ballots (part of count_round)", |b| {
        b.iter(|| ballots_digest(black_box(&poll), black_box(&ballots)))
    });
    group.bench_function("parse 1M ballots as cast", |b| {
        b.iter(|| {
            black_box(&cast)
                .iter()
                .map(|x| poll.ballot(x))
                .filter(Result::is_ok)
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
