//! Settings that are not personal data, in `localStorage` (gloo-storage): they survive a
//! restart without the key from the service, and say nothing about anyone.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const KEY: &str = "kontakt.settings.v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Denser lists: one line per contact.
    pub compact: bool,
    /// Remember recently used contacts.
    pub keep_recents: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            compact: false,
            keep_recents: true,
        }
    }
}

impl Settings {
    /// The saved settings; defaults when there are none or they cannot be read.
    pub fn load() -> Settings {
        LocalStorage::get(KEY).unwrap_or_default()
    }

    pub fn save(&self) {
        // A browser that refuses storage keeps the setting for this session only.
        let _ = LocalStorage::set(KEY, self);
    }

    pub fn clear() {
        LocalStorage::delete(KEY);
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn settings_survive_in_local_storage_and_bad_values_fall_back() {
        Settings::clear();
        assert_eq!(Settings::load(), Settings::default());
        let s = Settings {
            compact: true,
            keep_recents: false,
        };
        s.save();
        assert_eq!(Settings::load(), s);
        let raw = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        raw.set_item(KEY, "{not json").unwrap();
        assert_eq!(Settings::load(), Settings::default());
        raw.set_item(KEY, r#"{"compact":true}"#).unwrap();
        assert_eq!(
            Settings::load(),
            Settings {
                compact: true,
                keep_recents: true
            }
        );
        Settings::clear();
        assert_eq!(raw.get_item(KEY).unwrap(), None);
    }
}
