//! A small deterministic random source for tests that must hold on any input: the same
//! inputs on every run, with no dependency.

/// Marsaglia's xorshift64.
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new() -> Xorshift {
        Xorshift(0x9e37_79b9_7f4a_7c15)
    }

    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// Fewer than `max` of `pieces`, drawn at random and joined.
    pub fn soup(&mut self, pieces: &[&str], max: usize) -> String {
        let n = self.below(max);
        (0..n).map(|_| pieces[self.below(pieces.len())]).collect()
    }
}
