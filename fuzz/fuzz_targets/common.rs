//! What every source target shares: an emitter whose sink keeps nothing, and the check that
//! the load report accounts for every record however bad the input.

use kontakt_api::{Contact, SourceRef};
use kontakt_directory::sources::{Emitter, SourceError};

/// Runs `read` against a fresh emitter; errors are fine (bad input), panics are not.
pub fn read(read: impl FnOnce(&mut Emitter<'_>) -> Result<(), SourceError>) {
    let mut sink = |c: Contact| {
        assert!(!c.display_name.is_empty(), "a contact without a name");
        Ok(())
    };
    let reference = SourceRef {
        id: "fuzz".into(),
        name: "Fuzz".into(),
    };
    let mut out = Emitter::new(reference, "the name fields", false, &mut sink);
    if read(&mut out).is_ok() {
        let report = out.finish();
        assert!(report.is_balanced(), "{report:?}");
    }
}
