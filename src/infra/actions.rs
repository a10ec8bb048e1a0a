//! What the user can do with a contact: call a number, call or chat with a person, write an
//! email, copy. Inside Teams through the Teams library (falling back to deep links where a
//! host lacks the capability); in a plain browser through the same deep links.

use kontakt_api::{Contact, Phone};
use wasm_bindgen::JsCast;

use crate::infra::session::{Host, Session};
use crate::infra::teams::{self, TeamsError};

/// Why an action could not be done, as the user is told.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The number could not be understood, so it cannot be dialled from Teams.
    #[error("the number cannot be dialled")]
    NotDialable,
    /// The user's Teams account may not call phone numbers.
    #[error("calling phone numbers is not enabled")]
    PstnNotAllowed,
    #[error("Teams refused: {0}")]
    Teams(String),
    #[error("copying failed")]
    Copy,
}

impl From<TeamsError> for ActionError {
    fn from(e: TeamsError) -> Self {
        ActionError::Teams(e.message)
    }
}

/// `4:+4989…` — how Teams names a phone number as a call target.
pub fn pstn_target(phone: &Phone) -> Option<String> {
    phone.e164.as_ref().map(|e| format!("4:{e}"))
}

/// The deep link Teams understands for a call, encoded the way the Teams library encodes it
/// (`+` as `%2B`, so it is not read as a space).
pub fn call_link(targets: &[String]) -> String {
    let users: Vec<String> = targets
        .iter()
        .map(|t| String::from(js_sys::encode_uri_component(t)))
        .collect();
    format!(
        "https://teams.microsoft.com/l/call/0/0?users={}&source=kontakt",
        users.join(",")
    )
}

pub fn chat_link(upn: &str) -> String {
    format!(
        "https://teams.microsoft.com/l/chat/0/0?users={}",
        String::from(js_sys::encode_uri_component(upn))
    )
}

/// What the host lets this user do; from the Teams context, which is a hint the host
/// enforces anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Phone numbers may be called (`isPSTNCallingAllowed`, unknown = yes).
    pub pstn: bool,
    /// People may be called in Teams (`isCallingAllowed`, unknown = yes).
    pub teams_calls: bool,
}

impl Capabilities {
    pub fn of(session: &Session) -> Self {
        Capabilities {
            pstn: session.context.is_pstn_calling_allowed != Some(false),
            teams_calls: session.context.is_calling_allowed != Some(false),
        }
    }
}

pub async fn call_number(session: &Session, phone: &Phone) -> Result<(), ActionError> {
    if !Capabilities::of(session).pstn {
        return Err(ActionError::PstnNotAllowed);
    }
    let target = pstn_target(phone).ok_or(ActionError::NotDialable)?;
    call(session, vec![target]).await
}

pub async fn call_person(session: &Session, contact: &Contact) -> Result<(), ActionError> {
    let upn = contact.upn.clone().ok_or(ActionError::NotDialable)?;
    call(session, vec![upn]).await
}

async fn call(session: &Session, targets: Vec<String>) -> Result<(), ActionError> {
    let link = call_link(&targets);
    match session.host {
        Host::Teams if teams::call_is_supported() => match teams::start_call(&targets).await {
            // A host may claim the capability and still refuse it: the deep link works.
            Err(e) if e.code == Some(teams::NOT_SUPPORTED_ON_PLATFORM) => {
                Ok(teams::open_link(&link).await?)
            }
            other => Ok(other?),
        },
        Host::Teams => Ok(teams::open_link(&link).await?),
        Host::Browser => open_window(&link),
    }
}

pub async fn chat(session: &Session, upn: &str) -> Result<(), ActionError> {
    let link = chat_link(upn);
    match session.host {
        Host::Teams if teams::chat_is_supported() => match teams::open_chat(upn).await {
            Err(e) if e.code == Some(teams::NOT_SUPPORTED_ON_PLATFORM) => {
                Ok(teams::open_link(&link).await?)
            }
            other => Ok(other?),
        },
        Host::Teams => Ok(teams::open_link(&link).await?),
        Host::Browser => open_window(&link),
    }
}

fn open_window(url: &str) -> Result<(), ActionError> {
    let window = web_sys::window().ok_or(ActionError::Teams(String::from("no window")))?;
    window
        .open_with_url_and_target(url, "_blank")
        .map(|_| ())
        .map_err(|_| ActionError::Teams(String::from("the browser blocked the window")))
}

/// Copies `text`: the Clipboard API where the page may use it, else a selection copy
/// (Teams frames do not always grant clipboard access).
pub async fn copy(text: &str) -> Result<(), ActionError> {
    let window = web_sys::window().ok_or(ActionError::Copy)?;
    let clipboard = window.navigator().clipboard();
    if wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .is_ok()
    {
        return Ok(());
    }
    let document = window.document().ok_or(ActionError::Copy)?;
    let area: web_sys::HtmlTextAreaElement = document
        .create_element("textarea")
        .map_err(|_| ActionError::Copy)?
        .unchecked_into();
    area.set_value(text);
    let _ = area.set_attribute("readonly", "");
    let _ = area.set_attribute("class", "visually-hidden");
    let body = document.body().ok_or(ActionError::Copy)?;
    let _ = body.append_child(&area);
    area.select();
    let copied = document
        .unchecked_ref::<web_sys::HtmlDocument>()
        .exec_command("copy")
        .unwrap_or(false);
    area.remove();
    copied.then_some(()).ok_or(ActionError::Copy)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use kontakt_api::PhoneKind;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn deep_links_encode_plus_and_colon_like_the_teams_library() {
        let phone = Phone {
            kind: PhoneKind::Business,
            raw: "089 1".into(),
            e164: Some("+4989123456".into()),
            display: None,
            extension_of: None,
        };
        let target = pstn_target(&phone).unwrap();
        assert_eq!(target, "4:+4989123456");
        assert_eq!(
            call_link(&[target, "anna@example.com".into()]),
            "https://teams.microsoft.com/l/call/0/0?users=4%3A%2B4989123456,anna%40example.com&source=kontakt"
        );
        assert_eq!(
            chat_link("anna@example.com"),
            "https://teams.microsoft.com/l/chat/0/0?users=anna%40example.com"
        );
        let no_e164 = Phone {
            e164: None,
            ..phone
        };
        assert_eq!(pstn_target(&no_e164), None);
    }
}
