use kontakt_api::{Highlight, SearchHit};
use leptos::prelude::*;

/// The highlight ranges the service sent for `field`, if any.
pub fn ranges_for<'h>(hit: &'h SearchHit, field: &str) -> &'h [[u32; 2]] {
    hit.highlights
        .iter()
        .find(|h| h.field == field)
        .map_or(&[], |h| h.ranges.as_slice())
}

/// `text` with the matched parts in `<mark>`. Contact data is always inserted as text
/// nodes, never as HTML, so a name like `<img onerror=…>` shows as those characters.
#[component]
pub fn Highlighted(text: String, ranges: Vec<[u32; 2]>) -> impl IntoView {
    Highlight::split(&text, &ranges)
        .into_iter()
        .map(|(piece, marked)| {
            let piece = piece.to_owned();
            if marked {
                view! { <mark>{piece}</mark> }.into_any()
            } else {
                piece.into_any()
            }
        })
        .collect_view()
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use crate::testing::mount_test;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn markup_in_contact_data_is_shown_as_text() {
        let evil = "<img src=x onerror=alert(1)><script>alert(2)</script> Anna";
        let end = evil.chars().count() as u32;
        let root = mount_test(move || {
            view! { <Highlighted text=evil.to_owned() ranges=vec![[0, 4], [end - 4, end]] /> }
        });
        assert_eq!(root.text_content().unwrap(), evil);
        assert!(root.query_selector("img").unwrap().is_none());
        assert!(root.query_selector("script").unwrap().is_none());
        let marks = root.query_selector_all("mark").unwrap();
        assert_eq!(marks.length(), 2);
        assert_eq!(marks.get(0).unwrap().text_content().unwrap(), "<img");
        assert_eq!(marks.get(1).unwrap().text_content().unwrap(), "Anna");
    }
}
