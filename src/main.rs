//! The Kontakt Teams tab: search the company's contact directories and call with one click.

mod api;
mod app;
mod search;
mod session;
mod teams;
#[cfg(all(test, target_arch = "wasm32"))]
mod testing;
mod view;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// The `build.rs` code generator that replaces this macro compiles ICU's data exporter (with
// networking) into every build; the macro reads the same JSON files at compile time.
#[allow(deprecated)]
mod i18n_module {
    leptos_i18n::load_locales!();
}
pub use i18n_module::i18n;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
