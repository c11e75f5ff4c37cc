//! What the benchmarks share: bench.mjs's seeded generator, so inputs match
//! the JavaScript run's.

/// Deterministic pseudo-random numbers: mulberry32, exactly as bench.mjs's
/// `rnd()`, so a Rust benchmark builds the same inputs from the same seed.
pub struct Rng(pub u32);

#[allow(dead_code)] // each benchmark uses a part of it
impl Rng {
    /// A number in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x6d2b_79f5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }

    /// `int(n)`: a whole number in [0, n).
    pub fn int(&mut self, n: u32) -> u32 {
        (self.next() * f64::from(n)).floor() as u32
    }

    /// `hex(n)`: n lower-case hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.int(16) as usize]))
            .collect()
    }

    /// `guid()`: 8-4-4-4-12 hex digits.
    pub fn guid(&mut self) -> String {
        let a = self.hex(8);
        let b = self.hex(4);
        let c = self.hex(4);
        let d = self.hex(4);
        let e = self.hex(12);
        format!("{a}-{b}-{c}-{d}-{e}")
    }

    /// `acsSuffix()`: the user part of an ACS raw id.
    pub fn acs_suffix(&mut self) -> String {
        let digit = self.int(10);
        let b = self.hex(4);
        let c = self.hex(4);
        let d = self.hex(4);
        let e = self.hex(12);
        format!("0000001{digit}-{b}-{c}-{d}-{e}")
    }

    /// `phone()`: a +1425555 number.
    pub fn phone(&mut self) -> String {
        format!("+1425555{:04}", self.int(10_000))
    }
}
