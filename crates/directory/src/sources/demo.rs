//! The demo generator as a configurable source.

use serde::Deserialize;

use super::{Emitter, Entry, Reader, Reading, blocking};
use crate::check::Problems;
use crate::demo::{DEFAULT_COUNT, DEFAULT_SEED, Generator};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSource {
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

impl Reader for DemoSource {
    fn name_fields(&self) -> &'static str {
        "the generated names"
    }

    /// An id is the contact's place in the generated sequence.
    fn unique_ids(&self) -> bool {
        true
    }

    fn check(&self, production: bool, problems: &mut Problems) {
        if production {
            problems.error("type", "demo sources are for development mode only");
        }
    }

    fn read<'a>(&'a self, out: &'a mut Emitter<'_>) -> Reading<'a> {
        Box::pin(async move {
            blocking(|| {
                for (i, contact) in Generator::new(self.size, self.seed).enumerate() {
                    let entry = Entry {
                        id: Some(format!("{i:06}")),
                        ..Entry::from(contact)
                    };
                    out.emit(format_args!("contact {i}"), entry)?;
                }
                Ok(())
            })
        })
    }
}
