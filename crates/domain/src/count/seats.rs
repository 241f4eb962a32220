//! Filling a position's seats from its votes (R-MAJORITY, R-TIE, R-ADDITIONAL).

/// Someone who received votes for a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Contender {
    pub votes: u64,
    /// May be elected (a candidate, or a write-in matching exactly one registered voter).
    pub electable: bool,
    /// Takes part in the ranking (not elected to a higher post in this round).
    pub ranked: bool,
}

/// How the seats went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Allocation {
    /// Elected, in order of votes.
    pub elected: Vec<usize>,
    /// Tied for the last seats: a tie-break among them for `tie_seats`.
    pub tied: Vec<usize>,
    pub tie_seats: u32,
    /// Not electable, yet placed to take a seat: that seat stays unfilled (API.md write-ins).
    pub seat_lost_to: Vec<usize>,
}

/// Fills `seats` from the contenders reaching `threshold`, in order of votes (R-MAJORITY).
/// When the last seats cannot be told apart because several have the same votes, those tied
/// go to a tie-break for the seats left (R-TIE). A contender who may not be elected (a write-in
/// matching no registered voter) takes their place in the order and the seat stays unfilled;
/// within a tie they are passed over.
pub(crate) fn allocate(contenders: &[Contender], seats: u32, threshold: u64) -> Allocation {
    let mut passing: Vec<usize> = (0..contenders.len())
        .filter(|&i| contenders[i].ranked && contenders[i].votes >= threshold)
        .collect();
    passing.sort_by(|&a, &b| {
        contenders[b]
            .votes
            .cmp(&contenders[a].votes)
            .then(a.cmp(&b))
    });
    let s = seats as usize;
    let (chosen, tied, seats_left): (Vec<usize>, Vec<usize>, usize) = if passing.len() <= s {
        (passing, Vec::new(), 0)
    } else {
        let last = contenders[passing[s - 1]].votes;
        let above: Vec<usize> = passing
            .iter()
            .copied()
            .filter(|&i| contenders[i].votes > last)
            .collect();
        let tied: Vec<usize> = passing
            .iter()
            .copied()
            .filter(|&i| contenders[i].votes == last)
            .collect();
        let left = s - above.len();
        if tied.len() == left {
            ([above, tied].concat(), Vec::new(), 0)
        } else {
            (above, tied, left)
        }
    };
    let mut out = Allocation::default();
    for i in chosen {
        if contenders[i].electable {
            out.elected.push(i);
        } else {
            out.seat_lost_to.push(i);
        }
    }
    if !tied.is_empty() {
        let electable: Vec<usize> = tied
            .into_iter()
            .filter(|&i| contenders[i].electable)
            .collect();
        if electable.len() <= seats_left {
            out.elected.extend(electable);
        } else {
            out.tied = electable;
            out.tie_seats = u32::try_from(seats_left).unwrap_or(u32::MAX);
        }
    }
    out
}

/// The candidates of an additional election (R-ADDITIONAL): of `unelected` (index, votes),
/// the `size` with the most votes, and everyone tied with the last of them, so that no one is
/// left out by an arbitrary order.
pub(crate) fn top_with_ties(mut unelected: Vec<(usize, u64)>, size: usize) -> Vec<(usize, u64)> {
    unelected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if unelected.len() <= size || size == 0 {
        unelected.truncate(size);
        return unelected;
    }
    let cutoff = unelected[size - 1].1;
    unelected.retain(|&(_, v)| v >= cutoff);
    unelected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(votes: u64) -> Contender {
        Contender {
            votes,
            electable: true,
            ranked: true,
        }
    }

    fn unregistered(votes: u64) -> Contender {
        Contender {
            electable: false,
            ..c(votes)
        }
    }

    #[test]
    fn r_majority_the_most_votes_above_the_threshold_take_the_seats() {
        let a = allocate(&[c(40), c(40), c(39), c(10)], 3, 31);
        assert_eq!(a.elected, [0, 1, 2]);
        assert!(a.tied.is_empty());
        let a = allocate(&[c(400), c(320), c(300)], 2, 310);
        assert_eq!(a.elected, [0, 1]);
    }

    #[test]
    fn r_tie_a_tie_for_the_last_seat_goes_to_the_tied_only() {
        let a = allocate(&[c(45), c(31), c(31)], 2, 31);
        assert_eq!(a.elected, [0]);
        assert_eq!(a.tied, [1, 2]);
        assert_eq!(a.tie_seats, 1);
        let a = allocate(&[c(50), c(40), c(40), c(40)], 3, 31);
        assert_eq!(a.tied, [1, 2, 3]);
        assert_eq!(a.tie_seats, 2);
    }

    #[test]
    fn an_unregistered_write_in_takes_a_seat_that_then_stays_unfilled() {
        let a = allocate(&[c(260), unregistered(300)], 1, 251);
        assert!(a.elected.is_empty());
        assert_eq!(a.seat_lost_to, [1]);
        let a = allocate(&[c(300), unregistered(300)], 1, 251);
        assert_eq!(a.elected, [0], "passed over within a tie");
    }

    #[test]
    fn r_additional_the_list_takes_ties_at_the_cut_off() {
        assert_eq!(
            top_with_ties(vec![(0, 14), (1, 10), (2, 10)], 2),
            [(0, 14), (1, 10), (2, 10)]
        );
        assert_eq!(top_with_ties(vec![(0, 18), (1, 12)], 2), [(0, 18), (1, 12)]);
        assert_eq!(
            top_with_ties(vec![(2, 5), (0, 18), (1, 12)], 2),
            [(0, 18), (1, 12)]
        );
    }
}
