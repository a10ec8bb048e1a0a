//! Keystroke-to-paint timing with the Performance API, read by the tab benchmark
//! (`scripts/tab-bench.sh`): a mark when the user types, one when the answer to that
//! keystroke arrives, one once it is painted; measures `kontakt:keystroke-to-paint` (the
//! whole wait) and `kontakt:answer-to-paint` (the tab's own share: decoding and rendering).

use std::cell::Cell;

use leptos::prelude::{request_animation_frame, set_timeout};

pub const MEASURE: &str = "kontakt:keystroke-to-paint";
pub const RENDER_MEASURE: &str = "kontakt:answer-to-paint";

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
    /// The mark of the newest keystroke not yet answered on screen.
    static PENDING: Cell<Option<u64>> = const { Cell::new(None) };
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

fn mark(kind: &str, n: u64) -> String {
    format!("kontakt:{kind}:{n}")
}

pub fn mark_input() {
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if let Some(p) = performance() {
        let _ = p.mark(&mark("input", n));
        // A keystroke typed before the last answer arrived is never measured on its own.
        if let Some(superseded) = PENDING.with(|pending| pending.replace(Some(n))) {
            p.clear_marks_with_mark_name(&mark("input", superseded));
        }
    }
}

/// The service answered the newest keystroke (before the answer is decoded).
pub fn answer_arrived() {
    if let (Some(n), Some(p)) = (PENDING.get(), performance()) {
        let _ = p.mark(&mark("answer", n));
    }
}

/// Results for the newest keystroke were just put into the page. The next animation frame
/// paints them; a task queued from inside that frame's callback runs right after the paint.
pub fn results_shown() {
    let Some(n) = PENDING.with(Cell::take) else {
        return;
    };
    request_animation_frame(move || {
        set_timeout(
            move || {
                let Some(p) = performance() else { return };
                let (input, answer, paint) =
                    (mark("input", n), mark("answer", n), mark("paint", n));
                let _ = p.mark(&paint);
                let _ = p.measure_with_start_mark_and_end_mark(MEASURE, &input, &paint);
                let _ = p.measure_with_start_mark_and_end_mark(RENDER_MEASURE, &answer, &paint);
                // The measures keep the numbers; the marks would only pile up all day.
                for name in [input, answer, paint] {
                    p.clear_marks_with_mark_name(&name);
                }
            },
            std::time::Duration::ZERO,
        );
    });
}

/// Favourites and recents from the device are on screen (marked once per page).
pub fn saved_painted() {
    thread_local!(static DONE: Cell<bool> = const { Cell::new(false) });
    if DONE.with(|d| d.replace(true)) {
        return;
    }
    request_animation_frame(|| {
        set_timeout(
            || {
                if let Some(p) = performance() {
                    let _ = p.mark(SAVED_PAINTED);
                }
            },
            std::time::Duration::ZERO,
        );
    });
}

pub const SAVED_PAINTED: &str = "kontakt:saved-painted";

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn entries(kind: &str, prefix: &str) -> u32 {
        performance()
            .unwrap()
            .get_entries_by_type(kind)
            .iter()
            .filter(|e| {
                js_sys::Reflect::get(e, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .count() as u32
    }

    #[wasm_bindgen_test]
    async fn the_last_keystroke_is_measured_once_and_no_marks_pile_up() {
        let before = entries("measure", MEASURE);
        // Three keystrokes, one answer: only the last keystroke counts.
        mark_input();
        mark_input();
        mark_input();
        answer_arrived();
        results_shown();
        // An answer with no keystroke waiting (a retry) measures nothing.
        results_shown();
        crate::infra::browser::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(entries("measure", MEASURE), before + 1);
        assert_eq!(entries("measure", RENDER_MEASURE), before + 1);
        for kind in ["kontakt:input", "kontakt:answer", "kontakt:paint"] {
            assert_eq!(entries("mark", kind), 0, "{kind} marks are cleared");
        }
    }
}
