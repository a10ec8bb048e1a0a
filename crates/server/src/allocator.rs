//! The memory allocator's settings. The binary allocates with mimalloc instead of glibc's
//! malloc: under HTTP load glibc's `malloc`, `free` and their consolidation took about a
//! quarter of the server's CPU (answers are built on one thread and freed on another), and
//! mimalloc answers about 25 % more searches per second on the same two cores
//! (docs/performance.md, "Where a request's time goes").
//!
//! With its defaults mimalloc kept 80 MB more resident than glibc at a million contacts: it
//! gives freed memory back after a second, and commits whole arenas. Committing arenas on
//! demand brings that below glibc's — but mimalloc reads that option before `main` runs, so
//! the systemd units set it in the environment (`MIMALLOC_ARENA_EAGER_COMMIT=0`); setting it
//! here as well covers arenas made later. Freed memory goes back at once while a directory
//! is built or dropped, and after mimalloc's second otherwise ([`bulk`], switched by the
//! directory): handing every free back at once made each search fault its pages in again
//! (a number query 20–30 % slower at p95, docs/performance.md), and keeping it during a
//! build raised the build's peak by a quarter.

/// `mi_option_arena_eager_commit` in mimalloc 3's `mi_option_e` (the C sources
/// `libmimalloc-sys` builds; the Rust bindings name only some of the options).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
/// `mi_option_purge_delay`: milliseconds before freed memory goes back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays with the process, in milliseconds (mimalloc's default,
/// set so that a different default in a later mimalloc does not change it unnoticed).
const KEEP_FREED_MS: std::ffi::c_long = 1000;

/// Sets the options and registers [`bulk`] with the directory; call first thing in
/// `main`, before the directories are built.
pub fn tune() {
    // SAFETY: setting an option is a plain store into mimalloc's option table; both are
    // valid option numbers of the mimalloc version built (checked by the test below).
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, KEEP_FREED_MS);
    }
    kontakt_directory::memory::on_bulk(bulk);
}

/// `true`: hand freed memory back at once from now on; `false`: hand back what is free now
/// (this thread's empty pages, every arena's free ranges), then keep freed memory for
/// `KEEP_FREED_MS`.
pub fn bulk(on: bool) {
    // SAFETY: setting an option as in `tune`; collecting is a plain call into mimalloc,
    // allowed from any thread at any time.
    unsafe {
        if on {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        } else {
            libmimalloc_sys::mi_collect(true);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, KEEP_FREED_MS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers are the options meant: their defaults in this mimalloc's `options.c`
    /// are 2 (eager commit "on overcommit systems", unless the environment set it) and
    /// 1000 ms, and they read back as set. Nothing registers `bulk` with the directory in
    /// these tests (only `main` calls `tune`), so no build switches the delay meanwhile.
    #[test]
    fn the_options_are_the_ones_meant() {
        // SAFETY: reading and setting options, as `tune` and `bulk` do.
        unsafe {
            use libmimalloc_sys::{mi_option_get, mi_option_set};
            if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
                assert_eq!(
                    mi_option_get(ARENA_EAGER_COMMIT),
                    2,
                    "eager commit's default"
                );
            }
            assert_eq!(mi_option_get(PURGE_DELAY), 1000, "purge delay's default");
            mi_option_set(ARENA_EAGER_COMMIT, 0);
            assert_eq!(mi_option_get(ARENA_EAGER_COMMIT), 0);
            bulk(true);
            assert_eq!(mi_option_get(PURGE_DELAY), 0);
            bulk(false);
            assert_eq!(mi_option_get(PURGE_DELAY), KEEP_FREED_MS);
        }
    }
}
