//! The Kontakt Teams tab: search the company's contact directories and call with one click.

mod app;
#[cfg(all(test, target_arch = "wasm32"))]
mod fixtures;
mod infra;
mod state;
#[cfg(all(test, target_arch = "wasm32"))]
mod testing;
mod view;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

fn main() {
    leptos::mount::mount_to_body(app::App);
}
