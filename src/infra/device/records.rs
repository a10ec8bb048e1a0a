//! What is stored, record by record. In the clear: an opaque key and a number to sort by
//! (a favourite's position, a recent's time of use). Everything about the contact — and
//! how it was used — is sealed.

use js_sys::{Object, Reflect, Uint8Array};
use kontakt_api::Contact;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use super::seal::{NONCE_LEN, Sealed};

/// How a recent contact was last used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    #[default]
    Opened,
    Called,
    Chatted,
    Mailed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Favourite {
    pub contact: Contact,
    /// Milliseconds since the epoch.
    pub pinned_at: f64,
    /// Smaller first.
    pub position: f64,
    /// The source no longer has this contact; the snapshot is what was last known.
    pub gone: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Recent {
    pub contact: Contact,
    /// Milliseconds since the epoch.
    pub used_at: f64,
    pub how: Use,
    pub gone: bool,
}

/// The sealed part of a record. Version 1 sealed only `contact`; the defaults read those
/// records unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pinned_at: f64,
    #[serde(default)]
    pub how: Use,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
    /// When the service was last asked about this contact (ms since the epoch).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checked_at: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// A record as IndexedDB holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Raw {
    pub key: String,
    pub order: f64,
    pub sealed: Sealed,
}

impl Raw {
    pub fn to_js(&self) -> JsValue {
        let o = Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&o, &k.into(), v);
        };
        set("key", &self.key.as_str().into());
        set("order", &self.order.into());
        set("nonce", &Uint8Array::from(&self.sealed.nonce[..]).into());
        set("data", &Uint8Array::from(&self.sealed.data[..]).into());
        o.into()
    }

    /// `None` for anything that is not a well-formed record (it is skipped, not fatal).
    pub fn from_js(value: &JsValue) -> Option<Raw> {
        let get = |k: &str| Reflect::get(value, &k.into()).ok();
        let bytes = |k: &str| get(k)?.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec());
        let nonce: [u8; NONCE_LEN] = bytes("nonce")?.try_into().ok()?;
        Some(Raw {
            key: get("key")?.as_string()?,
            order: get("order")?.as_f64()?,
            sealed: Sealed {
                nonce,
                data: bytes("data")?,
            },
        })
    }
}
