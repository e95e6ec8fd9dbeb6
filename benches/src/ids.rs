//! Random identifiers (UUIDs, hex digests) and seed derivation.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A random UUID version 4, lowercase, from `rng`.
pub(crate) fn uuid_v4(rng: &mut ChaCha8Rng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 15) as usize] as char);
    }
    s
}

/// `n` random lowercase hex digits.
pub(crate) fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    let mut s = String::with_capacity(n);
    let mut bits = 0u64;
    for i in 0..n {
        if i % 16 == 0 {
            bits = rng.random();
        }
        s.push(HEX[(bits & 15) as usize] as char);
        bits >>= 4;
    }
    s
}

/// `n` random ASCII letters and digits.
pub(crate) fn alnum(rng: &mut ChaCha8Rng, n: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| SET[rng.random_range(0..SET.len())] as char)
        .collect()
}

/// A uniformly chosen element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// SplitMix64 finalizer: decorrelates derived seeds.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent generator for purpose `tag` (and `index`) under `seed`.
pub(crate) fn derived_rng(seed: u64, tag: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ mix(tag)) ^ index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let mut rng = derived_rng(1, 2, 3);
        let u = uuid_v4(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(hex(&mut rng, 40).len(), 40);
    }
}
