//! The demo generator as a configurable source.

use std::time::Duration;

use kontakt_api::{Contact, SourceRef};
use serde::Deserialize;

use super::{LoadReport, SourceError, default_refresh};
use crate::demo::{DEFAULT_COUNT, DEFAULT_SEED, Generator};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSource {
    pub id: String,
    pub name: String,
    #[serde(default = "default_refresh", with = "humantime_serde")]
    pub refresh: Duration,
    #[serde(default = "default_size")]
    pub size: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_size() -> usize {
    DEFAULT_COUNT
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

impl DemoSource {
    pub fn read(
        &self,
        source: &SourceRef,
        report: &mut LoadReport,
        sink: &mut dyn FnMut(Contact) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        for (i, mut c) in Generator::new(self.size, self.seed).enumerate() {
            c.id = format!("{}:{i:06}", source.id);
            c.source = source.clone();
            sink(c)?;
            report.contacts += 1;
        }
        Ok(())
    }
}
