//! Keystroke-to-paint timing with the Performance API, read by the end-to-end performance
//! test: a mark when the user types, a mark once the answer to that keystroke is on screen,
//! and a measure `kontakt:keystroke-to-paint` between them.

use std::cell::Cell;

use leptos::prelude::request_animation_frame;

pub const MEASURE: &str = "kontakt:keystroke-to-paint";

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
    /// The mark of the newest keystroke not yet answered on screen.
    static PENDING: Cell<Option<u64>> = const { Cell::new(None) };
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

pub fn mark_input() {
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if let Some(p) = performance() {
        let _ = p.mark(&format!("kontakt:input:{n}"));
        PENDING.with(|pending| pending.set(Some(n)));
    }
}

/// Results for the newest keystroke were just put into the page. The second animation
/// frame after this runs once the first of them has been painted.
pub fn results_shown() {
    let Some(n) = PENDING.with(Cell::take) else { return };
    request_animation_frame(move || {
        request_animation_frame(move || {
            if let Some(p) = performance() {
                let end = format!("kontakt:paint:{n}");
                let _ = p.mark(&end);
                let _ = p.measure_with_start_mark_and_end_mark(MEASURE, &format!("kontakt:input:{n}"), &end);
            }
        });
    });
}
