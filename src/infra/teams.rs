//! Bindings to the Teams JavaScript library (`@microsoft/teams-js` 2.58, global
//! `microsoftTeams`, shipped with the app as `MicrosoftTeams.min.js`).
//!
//! Every call is `catch`: if the library failed to load, or throws synchronously (e.g.
//! "not initialized"), the error arrives as a value instead of a panic. Rejections come in
//! two shapes — an `Error` and a plain `{errorCode, message}` object — and both become a
//! [`TeamsError`].

use std::time::Duration;

use futures::future::{Either, select};
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "app"], js_name = initialize)]
    fn js_app_initialize(valid_message_origins: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "app"], js_name = getContext)]
    fn js_get_context() -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "app"], js_name = registerOnThemeChangeHandler)]
    fn js_register_on_theme_change_handler(
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "app"], js_name = notifySuccess)]
    fn js_notify_success() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "app"], js_name = notifyFailure)]
    fn js_notify_failure(request: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "app"], js_name = openLink)]
    fn js_open_link(url: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "authentication"], js_name = getAuthToken)]
    fn js_get_auth_token(request: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "authentication"], js_name = authenticate)]
    fn js_authenticate(request: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "call"], js_name = isSupported)]
    fn js_call_is_supported() -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "call"], js_name = startCall)]
    fn js_start_call(request: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "chat"], js_name = isSupported)]
    fn js_chat_is_supported() -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["microsoftTeams", "chat"], js_name = openChat)]
    fn js_open_chat(request: &JsValue) -> Result<Promise, JsValue>;
}

/// A failure reported by the Teams library or host.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TeamsError {
    /// `errorCode` of SdkError objects (100 = not supported on this platform).
    pub code: Option<i32>,
    /// `Error.message`, or the SdkError's `message`, or the value as text.
    pub message: String,
}

pub const NOT_SUPPORTED_ON_PLATFORM: i32 = 100;

impl TeamsError {
    fn from_js(value: JsValue) -> Self {
        if let Some(err) = value.dyn_ref::<js_sys::Error>() {
            return TeamsError {
                code: None,
                message: String::from(err.message()),
            };
        }
        if value.is_object() {
            let code = Reflect::get(&value, &"errorCode".into())
                .ok()
                .and_then(|c| c.as_f64())
                .map(|c| c as i32);
            let message = Reflect::get(&value, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| match code {
                    Some(c) => format!("Teams error {c}"),
                    None => String::from("Teams reported an error"),
                });
            return TeamsError { code, message };
        }
        TeamsError {
            code: None,
            message: value
                .as_string()
                .unwrap_or_else(|| String::from("Teams reported an error")),
        }
    }

    /// `resourceRequiresConsent`, `CancelledByUser`, … as the host names them.
    pub fn is(&self, reason: &str) -> bool {
        self.message.contains(reason)
    }
}

async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, TeamsError> {
    let promise = promise.map_err(TeamsError::from_js)?;
    JsFuture::from(promise).await.map_err(TeamsError::from_js)
}

/// Whether anything could be a Teams host: a parent frame or an opener window.
/// `app.initialize()` rejects at once without one; with one it may wait 60 s for a host
/// that never answers, so callers bound the wait.
/// The manifest's tab URL carries `inTeams=1`: Teams itself loaded the tab, so a host that
/// does not answer is a Teams problem, not a plain browser.
pub fn launched_by_teams() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| {
            q.trim_start_matches('?')
                .split('&')
                .any(|pair| pair == "inTeams=1" || pair == "inTeams=true")
        })
}

pub fn has_possible_host() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let framed = window
        .parent()
        .ok()
        .flatten()
        .is_some_and(|parent| !Object::is(&parent, &window));
    let opened = window
        .opener()
        .map(|o| !o.is_null() && !o.is_undefined())
        .unwrap_or(false);
    framed || opened
}

/// `app.initialize()`, giving up after `timeout` (a frame that is not Teams never answers).
pub async fn initialize(timeout: Duration) -> Result<(), TeamsError> {
    let init = Box::pin(settle(js_app_initialize(&JsValue::UNDEFINED)));
    match select(init, Box::pin(crate::infra::browser::sleep(timeout))).await {
        Either::Left((result, _)) => result.map(|_| ()),
        Either::Right(_) => Err(TeamsError {
            code: None,
            message: String::from("the Teams host did not answer"),
        }),
    }
}

/// The parts of `app.getContext()` the tab uses. All are hints, never proof of identity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// `en-us`, `de-de`, …
    pub locale: Option<String>,
    pub theme: Option<String>,
    pub host_client_type: Option<String>,
    pub user_display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub tenant_id: Option<String>,
    /// `None` when the host does not say; then calling is offered and the host decides.
    pub is_pstn_calling_allowed: Option<bool>,
    pub is_calling_allowed: Option<bool>,
}

fn path(value: &JsValue, keys: &[&str]) -> JsValue {
    keys.iter().fold(value.clone(), |v, k| {
        if v.is_object() {
            Reflect::get(&v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    })
}

pub async fn context() -> Result<Context, TeamsError> {
    let ctx = settle(js_get_context()).await?;
    let text = |keys: &[&str]| path(&ctx, keys).as_string();
    let flag = |keys: &[&str]| path(&ctx, keys).as_bool();
    Ok(Context {
        locale: text(&["app", "locale"]),
        theme: text(&["app", "theme"]),
        host_client_type: text(&["app", "host", "clientType"]),
        user_display_name: text(&["user", "displayName"]),
        user_principal_name: text(&["user", "userPrincipalName"]),
        tenant_id: text(&["user", "tenant", "id"]),
        is_pstn_calling_allowed: flag(&["user", "isPSTNCallingAllowed"]),
        is_calling_allowed: flag(&["user", "isCallingAllowed"]),
    })
}

/// Calls `handler` with the new theme name whenever the user switches themes in Teams.
pub fn on_theme_change(handler: impl FnMut(String) + 'static) -> Result<(), TeamsError> {
    let mut handler = handler;
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |theme: JsValue| {
        handler(theme.as_string().unwrap_or_default());
    });
    js_register_on_theme_change_handler(&closure).map_err(TeamsError::from_js)?;
    // Teams keeps calling it for the life of the page.
    closure.forget();
    Ok(())
}

pub fn notify_success() {
    let _ = js_notify_success();
}

pub fn notify_failure(message: &str) {
    let request = Object::new();
    let _ = Reflect::set(&request, &"reason".into(), &"Other".into());
    let _ = Reflect::set(&request, &"message".into(), &message.into());
    let _ = js_notify_failure(&request);
}

/// The SSO token for this app; `silent: false` lets Teams show its consent prompt.
pub async fn auth_token(silent: bool) -> Result<String, TeamsError> {
    let request = Object::new();
    let _ = Reflect::set(&request, &"silent".into(), &JsValue::from_bool(silent));
    settle(js_get_auth_token(&request))
        .await?
        .as_string()
        .ok_or_else(|| TeamsError {
            code: None,
            message: String::from("Teams returned no token"),
        })
}

/// Opens the sign-in/consent window at `url` (same origin, listed in `validDomains`).
pub async fn authenticate(url: &str) -> Result<String, TeamsError> {
    let request = Object::new();
    let _ = Reflect::set(&request, &"url".into(), &url.into());
    let _ = Reflect::set(&request, &"width".into(), &600.into());
    let _ = Reflect::set(&request, &"height".into(), &535.into());
    Ok(settle(js_authenticate(&request))
        .await?
        .as_string()
        .unwrap_or_default())
}

pub fn call_is_supported() -> bool {
    js_call_is_supported().unwrap_or(false)
}

pub fn chat_is_supported() -> bool {
    js_chat_is_supported().unwrap_or(false)
}

/// Starts a Teams call to `targets` (`4:+E164` for phone numbers, UPNs for people).
pub async fn start_call(targets: &[String]) -> Result<(), TeamsError> {
    let request = Object::new();
    let list: Array = targets.iter().map(|t| JsValue::from_str(t)).collect();
    let _ = Reflect::set(&request, &"targets".into(), &list);
    let _ = Reflect::set(&request, &"source".into(), &"kontakt".into());
    settle(js_start_call(&request)).await.map(|_| ())
}

pub async fn open_chat(upn: &str) -> Result<(), TeamsError> {
    let request = Object::new();
    let _ = Reflect::set(&request, &"user".into(), &upn.into());
    settle(js_open_chat(&request)).await.map(|_| ())
}

pub async fn open_link(url: &str) -> Result<(), TeamsError> {
    settle(js_open_link(url)).await.map(|_| ())
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn object(pairs: &[(&str, JsValue)]) -> JsValue {
        let o = Object::new();
        for (k, v) in pairs {
            Reflect::set(&o, &(*k).into(), v).unwrap();
        }
        o.into()
    }

    #[wasm_bindgen_test]
    fn both_error_shapes_of_the_teams_library_become_a_teams_error() {
        let thrown = TeamsError::from_js(js_sys::Error::new("resourceRequiresConsent").into());
        assert_eq!(
            thrown,
            TeamsError {
                code: None,
                message: "resourceRequiresConsent".into()
            }
        );
        assert!(thrown.is("resourceRequiresConsent"));

        let sdk = TeamsError::from_js(object(&[
            ("errorCode", 100.into()),
            ("message", "not supported".into()),
        ]));
        assert_eq!(
            sdk,
            TeamsError {
                code: Some(NOT_SUPPORTED_ON_PLATFORM),
                message: "not supported".into()
            }
        );

        let bare = TeamsError::from_js(object(&[("errorCode", 500.into())]));
        assert_eq!(
            bare,
            TeamsError {
                code: Some(500),
                message: "Teams error 500".into()
            }
        );

        assert_eq!(
            TeamsError::from_js("CancelledByUser".into()).message,
            "CancelledByUser"
        );
        assert_eq!(
            TeamsError::from_js(JsValue::NULL).message,
            "Teams reported an error"
        );
    }

    /// Loads the real Teams library (the file the app ships) into the test page, once.
    fn load_teams_library() {
        let loaded =
            js_sys::Reflect::has(&js_sys::global(), &"microsoftTeams".into()).unwrap_or(false);
        if !loaded {
            js_sys::eval(include_str!(
                "../../node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js"
            ))
            .expect("the Teams library loads");
        }
    }

    #[wasm_bindgen_test]
    async fn outside_a_host_every_call_fails_as_an_error_not_a_panic() {
        // Without the library (it failed to load): ReferenceErrors, caught.
        if !Reflect::has(&js_sys::global(), &"microsoftTeams".into()).unwrap() {
            assert!(auth_token(true).await.is_err());
            assert!(!call_is_supported());
        }
        load_teams_library();
        // Calls the library refuses before initialize throw; they arrive as errors.
        let token = auth_token(true).await.unwrap_err();
        assert!(token.message.contains("initialize"), "{token:?}");
        assert!(start_call(&["4:+4989123456".into()]).await.is_err());
        assert!(
            open_link("https://teams.microsoft.com/l/chat/0/0?users=a")
                .await
                .is_err()
        );
        assert!(context().await.is_err());
        assert!(!call_is_supported());
        // The test page is neither framed nor opened by anything: initialize fails at once.
        assert!(!has_possible_host());
        let init = initialize(Duration::from_secs(5)).await.unwrap_err();
        assert!(init.message.contains("No Parent window found"), "{init:?}");
        // (After this the library would queue messages for a host that never comes.)
    }
}
