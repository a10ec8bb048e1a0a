//! FNV-1a (64 bit): a stable, fast hash for derived ids and for noticing that a source's
//! contents did not change. Not for anything an attacker chooses to collide.

pub const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// `hash` extended by `bytes`; start from [`OFFSET`].
pub fn extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash = (hash ^ u64::from(*b)).wrapping_mul(PRIME);
    }
    hash
}
