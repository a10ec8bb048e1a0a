//! Helpers for component tests in headless Chromium (wasm-bindgen-test).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Mounts `view` into a fresh `<div>` in the test page and returns that element. The view
/// stays mounted for the rest of the test run.
pub fn mount_test<V: IntoView + 'static>(
    view: impl FnOnce() -> V + 'static,
) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone(), view);
    handle.forget();
    root
}
