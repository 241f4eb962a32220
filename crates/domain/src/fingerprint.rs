//! Fingerprints that tie a published result to exactly what was voted on (R-SECRET,
//! R-ANNOUNCE): the ballot paper of a round, and the set of ballots counted.
//!
//! Both are SHA-256 digests written `sha256:<64 hex digits>`, over a canonical byte encoding in
//! which every string is length-prefixed (a 4-byte big-endian length, then its UTF-8 bytes), so
//! no choice of names or ids can make two different inputs encode alike.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::{Ballot, Poll};

/// A SHA-256 digest, `sha256:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Digest(String);

impl Digest {
    fn of(hasher: Sha256) -> Self {
        Self(format!("sha256:{}", hex::encode(hasher.finalize())))
    }

    /// `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn put_str(h: &mut Sha256, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    h.update(len.to_be_bytes());
    h.update(s.as_bytes());
}

fn put_u32(h: &mut Sha256, n: u32) {
    h.update(n.to_be_bytes());
}

/// The fingerprint of a published ballot paper: domain tag `juxuan.ballot-paper.v1`, the
/// election and contest ids, the round, then each position in ballot order with its seats, its
/// round kind and its candidates in order (candidate id and printed name). Any change of order,
/// name, seat or candidate changes it.
pub fn ballot_fingerprint(election_id: &str, contest_id: &str, poll: &Poll) -> Digest {
    let mut h = Sha256::new();
    put_str(&mut h, "juxuan.ballot-paper.v1");
    put_str(&mut h, election_id);
    put_str(&mut h, contest_id);
    put_u32(&mut h, poll.round());
    put_u32(
        &mut h,
        u32::try_from(poll.positions().len()).unwrap_or(u32::MAX),
    );
    for p in poll.positions() {
        put_str(&mut h, p.position.as_str());
        put_u32(&mut h, p.seats.get());
        put_str(&mut h, kind_tag(p.kind));
        put_u32(
            &mut h,
            u32::try_from(p.candidates.len()).unwrap_or(u32::MAX),
        );
        for c in &p.candidates {
            put_str(&mut h, c.candidate_id.as_str());
            put_str(&mut h, &c.name);
        }
    }
    Digest::of(h)
}

fn kind_tag(kind: crate::RoundKind) -> &'static str {
    match kind {
        crate::RoundKind::Regular => "regular",
        crate::RoundKind::TieBreak => "tie_break",
        crate::RoundKind::AdditionalElection => "additional_election",
    }
}

/// The digest of one ballot's canonical form: spoiled or not, then for every position of the
/// ballot paper the ids of the candidates marked (in ballot order) and the written-in names
/// (normalised, sorted).
fn ballot_hash(poll: &Poll, ballot: &Ballot) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([u8::from(ballot.is_spoiled())]);
    let marks = ballot.marks();
    let write_ins = ballot.write_ins();
    for (col, p) in poll.positions().iter().enumerate() {
        let in_col = |c: u8| usize::from(c) == col;
        let ids: Vec<&str> = marks
            .iter()
            .filter(|(c, _)| in_col(*c))
            .filter_map(|&(_, i)| p.candidates.get(usize::from(i)))
            .map(|c| c.candidate_id.as_str())
            .collect();
        put_u32(&mut h, u32::try_from(ids.len()).unwrap_or(u32::MAX));
        for id in ids {
            put_str(&mut h, id);
        }
        let names: Vec<&str> = write_ins
            .iter()
            .filter(|(c, _)| in_col(*c))
            .map(|(_, n)| &**n)
            .collect();
        put_u32(&mut h, u32::try_from(names.len()).unwrap_or(u32::MAX));
        for n in names {
            put_str(&mut h, n);
        }
    }
    h.finalize().into()
}

/// The digest of a set of ballots, independent of their order (R-SECRET: ballots have no
/// order of arrival): domain tag `juxuan.ballots.v1`, the number of ballots, then the sorted
/// SHA-256 digests of each ballot's canonical form. Anyone holding the ballot list and the
/// ballot paper can recompute it.
pub fn ballots_digest(poll: &Poll, ballots: &[Ballot]) -> Digest {
    let mut hashes: Vec<[u8; 32]> = ballots.iter().map(|b| ballot_hash(poll, b)).collect();
    hashes.sort_unstable();
    let mut h = Sha256::new();
    put_str(&mut h, "juxuan.ballots.v1");
    h.update(
        u64::try_from(hashes.len())
            .unwrap_or(u64::MAX)
            .to_be_bytes(),
    );
    for x in &hashes {
        h.update(x);
    }
    Digest::of(h)
}
