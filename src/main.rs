//! The Kontakt Teams tab: search the company's contact directories and call with one click.

mod actions;
mod api;
mod app;
mod device;
mod perf;
mod saved;
mod search;
mod session;
mod settings;
mod teams;
#[cfg(all(test, target_arch = "wasm32"))]
mod testing;
mod ui;
mod view;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

fn main() {
    leptos::mount::mount_to_body(app::App);
}
