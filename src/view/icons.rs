//! Fluent-style icons, drawn inline so they take the text colour of every theme.

use leptos::prelude::*;

#[component]
pub fn CallIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 20 20" aria-hidden="true" class="icon">
            <path d="m6.99 2.07.97-.29a2 2 0 0 1 2.37 1.08l.75 1.67a2 2 0 0 1-.46 2.28l-1.24 1.16a.5.5 0 0 0-.15.3c-.04.33.18.97.68 1.85.37.64.7 1.09 1 1.35.2.18.3.21.36.2l.09-.03 1.6-.49a2 2 0 0 1 2.2.74l1.07 1.47a2 2 0 0 1-.24 2.64l-.74.7a3 3 0 0 1-2.9.67c-1.52-.47-2.92-1.83-4.21-4.07-1.3-2.24-1.76-4.14-1.4-5.69a3 3 0 0 1 2.05-2.17Z" />
        </svg>
    }
}

#[component]
pub fn PersonCallIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 20 20" aria-hidden="true" class="icon">
            <path d="M9 2a4 4 0 1 0 0 8 4 4 0 0 0 0-8ZM4 11a2 2 0 0 0-2 2c0 1.7.83 2.97 2.13 3.8C5.41 17.6 7.14 18 9 18c.37 0 .74-.02 1.1-.05A5.5 5.5 0 0 1 10.02 11H4Zm10.04-.26.35-.1c.4-.11.8.08.98.44l.33.68c.15.3.1.65-.14.88l-.53.5c-.05.05-.08.12-.08.2.02.4.38 1.02.76 1.43.07.07.16.1.24.09l.69-.22c.33-.1.68.02.88.3l.48.63a.75.75 0 0 1-.1 1l-.35.34c-.36.33-.87.45-1.34.31-1.14-.35-2.1-1.44-2.78-2.78-.68-1.35-.9-2.71-.55-3.6.15-.38.47-.68.87-.8Z" />
        </svg>
    }
}

#[component]
pub fn ChatIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 20 20" aria-hidden="true" class="icon">
            <path d="M10 2a8 8 0 1 1-3.61 15.14l-.12-.07-3.65.92a.5.5 0 0 1-.62-.45v-.08l.01-.08.92-3.64-.06-.12a7.95 7.95 0 0 1-.83-3.08L2 10a8 8 0 0 1 8-8Zm0 1a7 7 0 0 0-6.1 10.42.5.5 0 0 1 .06.28l-.02.1-.76 3.02 3.03-.76a.5.5 0 0 1 .27 0l.1.05A7 7 0 1 0 10 3Z" />
        </svg>
    }
}

#[component]
pub fn MailIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 20 20" aria-hidden="true" class="icon">
            <path d="M15.5 4A2.5 2.5 0 0 1 18 6.5v8a2.5 2.5 0 0 1-2.5 2.5h-11A2.5 2.5 0 0 1 2 14.5v-8A2.5 2.5 0 0 1 4.5 4h11ZM17 7.96l-6.75 3.97a.5.5 0 0 1-.42.04l-.08-.04L3 7.96v6.54c0 .83.67 1.5 1.5 1.5h11c.83 0 1.5-.67 1.5-1.5V7.96ZM15.5 5h-11C3.67 5 3 5.67 3 6.5v.3l7 4.12 7-4.12v-.3c0-.83-.67-1.5-1.5-1.5Z" />
        </svg>
    }
}

#[component]
pub fn CopyIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 20 20" aria-hidden="true" class="icon">
            <path d="M8 2a2 2 0 0 0-2 2v10c0 1.1.9 2 2 2h6a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2H8ZM7 4a1 1 0 0 1 1-1h6a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H8a1 1 0 0 1-1-1V4ZM4 6a2 2 0 0 1 1-1.73V14.5A2.5 2.5 0 0 0 7.5 17h6.23A2 2 0 0 1 12 18H7.5A3.5 3.5 0 0 1 4 14.5V6Z" />
        </svg>
    }
}

#[component]
pub fn BackIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 20 20" aria-hidden="true" class="icon">
            <path d="M9.16 16.87a.5.5 0 1 0 .67-.74L3.67 10.5H17.5a.5.5 0 0 0 0-1H3.67l6.16-5.63a.5.5 0 0 0-.67-.74L2.24 9.44a.75.75 0 0 0 0 1.11l6.92 6.32Z" />
        </svg>
    }
}
