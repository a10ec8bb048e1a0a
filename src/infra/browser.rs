//! The few things views need from the browser itself: waiting, and focusing or scrolling
//! an element once it is on screen. Elements come as `NodeRef`s, never from a query by id
//! or class.

use std::time::Duration;

use js_sys::Promise;
use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub async fn sleep(duration: Duration) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                duration.as_millis() as i32,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Focuses the element behind `node` after the next render: a view that has just been
/// switched to is in the page by then.
pub fn focus<E>(node: NodeRef<E>)
where
    E: ElementType,
    E::Output: JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(element) = node.get_untracked() {
            let _ = element.unchecked_ref::<web_sys::HtmlElement>().focus();
        }
    });
}

/// Scrolls `element` just far enough to be seen (the highlighted result row).
pub fn scroll_into_view(element: &web_sys::Element) {
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
    element.scroll_into_view_with_scroll_into_view_options(&options);
}
