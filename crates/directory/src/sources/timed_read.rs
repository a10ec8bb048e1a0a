//! Reading a source's file with a deadline. A file on a network share can block a read
//! indefinitely (an NFS or SMB server gone mid-read), and a blocked read cannot be cancelled:
//! it runs on a thread of its own, and the refresh gives up on it after `timeout`, so the
//! last snapshot keeps being served and the next refresh tries again.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::SourceError;

/// Reads still blocked after their refresh gave up. Each holds a thread that nothing can
/// end; past this many no further read is started, so a share that stays hung cannot use up
/// threads one refresh at a time.
const MAX_BLOCKED: usize = 8;
static BLOCKED: AtomicUsize = AtomicUsize::new(0);

/// The bytes of `path`, or [`SourceError::Timeout`] when reading takes longer than
/// `timeout`.
pub fn read(path: &Path, timeout: Duration) -> Result<Vec<u8>, SourceError> {
    run(path, timeout, |p| std::fs::read(p))
}

/// The first 64 KB of `path` (enough for a header row), with the same deadline.
pub fn read_start(path: &Path, timeout: Duration) -> Result<Vec<u8>, SourceError> {
    run(path, timeout, |p| {
        use std::io::Read;
        let mut bytes = Vec::new();
        std::fs::File::open(p)?
            .take(64 * 1024)
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    })
}

/// Whether `path` is a folder (asking a hung share blocks too), with the same deadline.
pub fn is_dir(path: &Path, timeout: Duration) -> Result<bool, SourceError> {
    run(path, timeout, |p| std::fs::metadata(p).map(|m| m.is_dir()))
}

/// The entries of the folder `path`, with the same deadline.
pub fn read_dir(path: &Path, timeout: Duration) -> Result<Vec<PathBuf>, SourceError> {
    run(path, timeout, |p| {
        std::fs::read_dir(p)?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
    })
}

fn run<T: Send + 'static>(
    path: &Path,
    timeout: Duration,
    f: fn(&Path) -> std::io::Result<T>,
) -> Result<T, SourceError> {
    let blocked = BLOCKED.load(Ordering::Relaxed);
    if blocked >= MAX_BLOCKED {
        return Err(SourceError::Timeout {
            path: path.to_owned(),
            detail: format!(
                "{blocked} earlier reads of source files are still blocked; no further read is started until they end (is a network share hung?)"
            ),
        });
    }
    // A rendezvous: the reading thread's send completes only into a waiting receiver, and
    // fails once the refresh has given up and dropped it — never into a buffer nobody reads,
    // which would leave the read counted as blocked for ever.
    let (send, receive) = std::sync::mpsc::sync_channel(0);
    let owned = path.to_owned();
    std::thread::Builder::new()
        .name(String::from("source-read"))
        .spawn(move || {
            let result = f(&owned);
            // The refresh may have given up: then this read was counted as blocked.
            if send.send(result).is_err() {
                BLOCKED.fetch_sub(1, Ordering::Relaxed);
            }
        })
        .map_err(|e| SourceError::Io {
            path: path.to_owned(),
            source: e,
        })?;
    match receive.recv_timeout(timeout) {
        Ok(result) => result.map_err(|e| SourceError::Io {
            path: path.to_owned(),
            source: e,
        }),
        Err(_) => {
            // Counted before the receiver goes: the thread's send fails (and uncounts it)
            // only after that.
            BLOCKED.fetch_add(1, Ordering::Relaxed);
            drop(receive);
            Err(SourceError::Timeout {
                path: path.to_owned(),
                detail: format!(
                    "no answer within {timeout:?} (timeout): a network share that hangs? The last snapshot keeps being served"
                ),
            })
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A named pipe nobody writes to blocks a reader as a hung share does.
    #[test]
    fn a_read_that_blocks_gives_up_after_the_timeout_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("crm.csv");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&pipe)
                .status()
                .unwrap()
                .success()
        );
        let started = std::time::Instant::now();
        let err = read(&pipe, Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            err.contains("crm.csv") && err.contains("no answer within 300ms"),
            "{err}"
        );
        // The share answers again: the blocked read ends, and reading works.
        std::fs::write(&pipe, b"").unwrap_or_default();
        let file = dir.path().join("ok.csv");
        std::fs::write(&file, b"First Name\nAnna\n").unwrap();
        assert_eq!(
            read(&file, Duration::from_secs(5)).unwrap(),
            b"First Name\nAnna\n"
        );
    }
}
