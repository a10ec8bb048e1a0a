use kontakt_api::Contact;
use leptos::prelude::*;

/// Number of avatar colours (`.avatar-c0` … in `style/main.css`). Classes rather than an
/// inline style: the Content-Security-Policy allows no inline styles.
const COLOURS: u32 = 16;

/// Up to two letters: given name and surname initials, skipping titles like "Dr.". As
/// written: the style sheet shows them in capitals (`.avatar` in `style/results.css`).
pub fn initials(contact: &Contact) -> String {
    let from_parts = match (&contact.given_name, &contact.surname) {
        (Some(g), Some(s)) => Some(format!("{}{}", first_letter(g), first_letter(s))),
        _ => None,
    };
    from_parts.filter(|s| !s.is_empty()).unwrap_or_else(|| {
        let words: Vec<&str> = contact
            .display_name
            .split_whitespace()
            .filter(|w| !w.ends_with('.'))
            .collect();
        match words.as_slice() {
            [] => String::from("?"),
            [one] => first_letter(one),
            [first, .., last] => format!("{}{}", first_letter(first), first_letter(last)),
        }
    })
}

fn first_letter(word: &str) -> String {
    word.chars()
        .find(|c| c.is_alphanumeric())
        .map(String::from)
        .unwrap_or_default()
}

/// The same name always gets the same colour (FNV-1a over the name).
pub fn colour(name: &str) -> u32 {
    let hash = name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % COLOURS
}

/// Reactive, so a result row kept from answer to answer shows whoever it shows now.
#[component]
pub fn Avatar(#[prop(into)] contact: Signal<Contact>) -> impl IntoView {
    let class = move || contact.with(|c| format!("avatar avatar-c{}", colour(&c.display_name)));
    view! {
        <span class=class aria-hidden="true">
            {move || contact.with(initials)}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kontakt_api::SourceRef;

    fn contact(name: &str, given: Option<&str>, surname: Option<&str>) -> Contact {
        Contact {
            id: "s:1".into(),
            source: SourceRef {
                id: "s".into(),
                name: "S".into(),
            },
            display_name: name.into(),
            given_name: given.map(Into::into),
            surname: surname.map(Into::into),
            ..Contact::default()
        }
    }

    #[test]
    fn initials_skip_titles_and_handle_umlauts() {
        assert_eq!(initials(&contact("Dr. Jürgen Öztürk", None, None)), "JÖ");
        assert_eq!(initials(&contact("x", Some("Anna"), Some("Berg"))), "AB");
        assert_eq!(initials(&contact("Empfang", None, None)), "E");
        assert_eq!(initials(&contact("  ", None, None)), "?");
        // Lower-case particles stay as written; CSS capitalises them on screen.
        assert_eq!(
            initials(&contact("x", Some("émile"), Some("van Dijk"))),
            "év"
        );
    }

    #[test]
    fn colour_is_stable_and_in_range() {
        assert_eq!(colour("Anna Berg"), colour("Anna Berg"));
        assert!((0..200).all(|i| colour(&format!("Person {i}")) < COLOURS));
    }
}
