//! The database layout and how older layouts are brought up to date.
//!
//! - **Version 1**: one store `contacts` (key path `[kind, key]`) holding favourites and
//!   recents alike as `{key, kind: "favourite" | "recent", at, nonce, data}` — `at` being
//!   when it was pinned or used — and `meta` with the key check.
//! - **Version 2** (current): `favourites` and `recents` (key path `key`) as
//!   `{key, order, nonce, data}` — `order` is a favourite's position (so people can arrange
//!   them) and a recent's time of use — and `meta` unchanged.
//!
//! An upgrade moves records without opening them: the sealed part and its associated data
//! (which include the record key) stay exactly as they were.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

use super::DeviceError;
use super::records::Raw;

pub const VERSION: u32 = 2;
pub const FAVOURITES: &str = "favourites";
pub const RECENTS: &str = "recents";
pub const META: &str = "meta";
pub const V1_CONTACTS: &str = "contacts";
pub const KEY_PATH: &str = "key";

pub async fn open(name: &str) -> Result<Database, DeviceError> {
    let db = Database::open(name)
        .with_version(VERSION)
        .with_on_upgrade_needed_fut(|event, db| async move {
            upgrade(&db, event.old_version() as u32).await
        })
        .await?;
    Ok(db)
}

async fn upgrade(db: &Database, from: u32) -> indexed_db_futures::Result<()> {
    let favourites = db
        .create_object_store(FAVOURITES)
        .with_key_path(KEY_PATH.into())
        .build()?;
    let recents = db
        .create_object_store(RECENTS)
        .with_key_path(KEY_PATH.into())
        .build()?;
    if from == 0 {
        db.create_object_store(META)
            .with_key_path(KEY_PATH.into())
            .build()?;
        return Ok(());
    }
    // From version 1: split `contacts`; favourites keep the order they were pinned in.
    let legacy = favourites.transaction().object_store(V1_CONTACTS)?;
    let mut pinned = Vec::new();
    for value in legacy.get_all::<JsValue>().await? {
        let value = value?;
        let kind = Reflect::get(&value, &"kind".into())?.as_string();
        let at = Reflect::get(&value, &"at".into())?.as_f64().unwrap_or(0.0);
        // Version 1 records carry `at` where version 2 has `order`.
        Reflect::set(&value, &"order".into(), &at.into())?;
        let Some(raw) = Raw::from_js(&value) else {
            continue; // unreadable then, unreadable now: dropped with the old store
        };
        match kind.as_deref() {
            Some("favourite") => pinned.push(raw),
            Some("recent") => recents.put(raw.to_js()).await?,
            _ => {}
        }
    }
    pinned.sort_by(|a, b| a.order.total_cmp(&b.order));
    for (position, mut raw) in pinned.into_iter().enumerate() {
        raw.order = position as f64;
        favourites.put(raw.to_js()).await?;
    }
    db.delete_object_store(V1_CONTACTS)?;
    Ok(())
}
