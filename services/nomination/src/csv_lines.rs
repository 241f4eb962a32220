//! File line numbers for CSV records. The csv reader skips blank lines without counting them,
//! so a record's reported line can be wrong; this counts newlines up to each record's first
//! byte instead, in one pass over the file.

pub struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record that the reader started at `offset`: blank lines the
    /// reader skipped before it are passed over. Offsets must not go backwards.
    pub fn line_at(&mut self, offset: u64) -> u32 {
        let mut target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while self
            .bytes
            .get(target)
            .is_some_and(|b| *b == b'\n' || *b == b'\r')
        {
            target += 1;
        }
        if target > self.offset {
            let newlines = self.bytes[self.offset..target]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line = self
                .line
                .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.offset = target;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::LineCounter;

    #[test]
    fn lines_are_counted_across_blank_lines() {
        let text = b"header\nrow\n\n\nrow\n";
        let mut counter = LineCounter::new(text);
        assert_eq!(counter.line_at(0), 1);
        assert_eq!(counter.line_at(7), 2);
        // The reader reports the record after blank lines at the first blank line's start.
        assert_eq!(counter.line_at(11), 5);
    }
}
