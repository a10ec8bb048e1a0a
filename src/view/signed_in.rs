//! Everything after signing in — search, results, details, favourites, recents and the
//! device's storage — is a second wasm module in the tab Trunk builds (the feature `split`,
//! cut by `scripts/split-tab.mjs`): the first module paints the tab and signs in while this
//! one is fetched. Without the feature (the tests) it is ordinary code.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use super::Shell;
use crate::infra::session::Session;

/// Loads the second module. Calls while it is on its way wait for the same download; after a
/// failure the next call downloads it again.
pub async fn load() -> Result<(), SplitLoaderError> {
    #[cfg(feature = "split")]
    return load_signed_in().await;
    #[cfg(not(feature = "split"))]
    return Ok(());
}

/// The signed-in tab, once [`load`] has succeeded (otherwise it loads the module first).
pub async fn signed_in(session: Session) -> AnyView {
    #[cfg(feature = "split")]
    let shell = shell(session).await;
    #[cfg(not(feature = "split"))]
    let shell = shell(session);
    // Unreachable after a successful `load` (a loaded module stays loaded); a failed `load`
    // is the start screen's to report, with its Try again.
    shell.unwrap_or_else(|_| ().into_any())
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        signed_in_tab,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(load_signed_in)
    )
)]
fn shell(session: Session) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Shell session=session /> }.into_any())
}
