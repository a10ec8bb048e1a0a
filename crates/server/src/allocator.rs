//! The memory allocator's settings. The binary allocates with mimalloc instead of glibc's
//! malloc: under HTTP load glibc's `malloc`, `free` and their consolidation took about a
//! quarter of the server's CPU (answers are built on one thread and freed on another), and
//! mimalloc answers about 25 % more searches per second on the same two cores
//! (docs/performance.md, "Where a request's time goes").
//!
//! With its defaults mimalloc kept 80 MB more resident than glibc at a million contacts:
//! it gives freed memory back after a second, and commits whole arenas. Purging at once
//! (set here) brings that to +28 MB; committing arenas on demand too brings it below
//! glibc's (577 against 605 MB) — but mimalloc reads that option before `main` runs, so the
//! systemd units set it in the environment (`MIMALLOC_ARENA_EAGER_COMMIT=0`); setting it
//! here as well covers arenas made later.

/// `mi_option_arena_eager_commit` in mimalloc 3's `mi_option_e` (the C sources
/// `libmimalloc-sys` builds; the Rust bindings name only some of the options).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
/// `mi_option_purge_delay`: milliseconds before freed memory goes back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the options; call first thing in `main`, before the directories are built.
pub fn tune() {
    // SAFETY: setting an option is a plain store into mimalloc's option table; both are
    // valid option numbers of the mimalloc version built (checked by the test below).
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers are the options meant: their defaults in this mimalloc's `options.c`
    /// are 2 (eager commit "on overcommit systems") and 1000 ms, and they read back as set.
    #[test]
    fn the_options_are_the_ones_meant() {
        // SAFETY: reading and setting options, as `tune` does.
        unsafe {
            use libmimalloc_sys::mi_option_get;
            if mi_option_get(PURGE_DELAY) != 0 {
                assert_eq!(
                    mi_option_get(ARENA_EAGER_COMMIT),
                    2,
                    "eager commit's default"
                );
                assert_eq!(mi_option_get(PURGE_DELAY), 1000, "purge delay's default");
            }
            tune();
            assert_eq!(mi_option_get(ARENA_EAGER_COMMIT), 0);
            assert_eq!(mi_option_get(PURGE_DELAY), 0);
        }
    }
}
