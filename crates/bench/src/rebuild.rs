//! `kontakt-bench rebuild`: a tenant with one demo source of N contacts, loaded and rebuilt
//! while the previous directory is still being served — the worst case for memory.

use std::sync::Arc;
use std::time::Instant;

use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::demo;
use kontakt_directory::snapshot::SnapshotStore;
use kontakt_directory::sources::Source;

use crate::report::{peak_rss_mb, rss_mb};

pub fn run(size: usize, rounds: usize) -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let source: Source = toml::from_str(&format!(
        "type = \"demo\"\nid = \"demo\"\nname = \"Demo\"\nsize = {size}\n"
    ))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tenant = Arc::new(TenantDirectory::open("bench", "tenant", demo::dialing(), vec![source], SnapshotStore::new(data.path()))?);
        println!("| round | load + snapshot + rebuild (s) | contacts | resident after (MB) | peak resident so far (MB) |");
        println!("|---:|---:|---:|---:|---:|");
        for round in 1..=rounds {
            // Hold the directory being served, as a search in flight would.
            let serving = tenant.directory();
            let started = Instant::now();
            tenant.refresh(0).await?;
            let secs = started.elapsed().as_secs_f64();
            drop(serving);
            println!("| {round} | {secs:.1} | {} | {:.0} | {:.0} |", tenant.directory().len(), rss_mb(), peak_rss_mb());
        }
        anyhow::Ok(())
    })?;
    Ok(())
}
