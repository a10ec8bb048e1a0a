use leptos::prelude::*;

use crate::i18n::*;
use crate::infra::actions::ActionError;
use crate::state::{Feedback, Toast};

/// Confirmations and action errors, at the bottom, read out by screen readers.
#[component]
pub fn Toasts() -> impl IntoView {
    let i18n = use_i18n();
    let feedback = expect_context::<Feedback>();
    let text = move || {
        feedback.toast.get().map(|(_, toast)| match toast {
            Toast::Copied => t_string!(i18n, toast_copied).to_string(),
            Toast::CallStarted => t_string!(i18n, toast_call_started).to_string(),
            Toast::ChatOpened => t_string!(i18n, toast_chat_opened).to_string(),
            Toast::Failed(ActionError::NotDialable) => {
                t_string!(i18n, toast_not_dialable).to_string()
            }
            Toast::Failed(ActionError::PstnNotAllowed) => {
                t_string!(i18n, pstn_not_allowed).to_string()
            }
            Toast::Failed(ActionError::Copy) => t_string!(i18n, toast_copy_failed).to_string(),
            Toast::Failed(ActionError::Teams(detail)) => {
                t_string!(i18n, toast_teams_failed, detail = detail).to_string()
            }
        })
    };
    let failed = move || {
        feedback
            .toast
            .get()
            .is_some_and(|(_, t)| matches!(t, Toast::Failed(_)))
    };
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || text().map(|t| view! { <div class="toast" class:error=failed>{t}</div> })}
        </div>
    }
}
