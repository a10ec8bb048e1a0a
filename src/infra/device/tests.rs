//! The device store against the real IndexedDB of headless Chromium.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Reflect, Uint8Array};
use kontakt_api::{Contact, Me};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use super::records::{Raw, Snapshot};
use super::schema::{FAVOURITES, META, RECENTS, V1_CONTACTS};
use super::seal::{Sealer, database_name};
use super::store::Loaded;
use super::*;
use crate::fixtures::contact;

const KEY_A: &str = "q0TBrmUEAh2nFyXNzKZxn4jP1pL7m0e3cQx6yWbJ8sE";
const KEY_B: &str = "Zm9yIHRoZSB0ZXN0czogYW5vdGhlciBzZWNyZXQhISE";
const TENANT: &str = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34";

/// A user of their own per test, so tests never share a database.
fn me(user: &str, key: &str) -> Me {
    Me {
        tenant_id: TENANT.into(),
        user_id: format!("00000000-0000-4000-8000-{user:0>12}"),
        display_name: "Test".into(),
        demo: false,
        cache_key: key.into(),
    }
}

fn ids(contacts: impl IntoIterator<Item = Contact>) -> Vec<String> {
    contacts.into_iter().map(|c| c.id).collect()
}

async fn fresh(user: &str, key: &str) -> DeviceStore {
    // Each test run starts with a new browser profile, so the database is new too.
    let (store, changed) = DeviceStore::open(&me(user, key)).await.unwrap();
    assert!(!changed);
    store
}

/// Every stored value of every store, as the browser holds it.
async fn raw_values(name: &str) -> Vec<(String, JsValue)> {
    let db = Database::open(name).await.unwrap();
    let stores: Vec<String> = db.object_store_names().collect();
    let tx = db.transaction(stores.clone()).build().unwrap();
    let mut out = Vec::new();
    for store in stores {
        for value in tx
            .object_store(&store)
            .unwrap()
            .get_all::<JsValue>()
            .await
            .unwrap()
        {
            out.push((store.clone(), value.unwrap()));
        }
    }
    drop(tx);
    db.close();
    out
}

/// Everything readable in a stored value: strings, numbers, and bytes read as text.
fn visible_text(value: &JsValue) -> String {
    let mut text = String::new();
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let field = Reflect::get(value, &key).unwrap();
        text.push_str(&key.as_string().unwrap_or_default());
        text.push(' ');
        if let Some(bytes) = field.dyn_ref::<Uint8Array>() {
            text.push_str(&String::from_utf8_lossy(&bytes.to_vec()));
        } else {
            text.push_str(
                &js_sys::JSON::stringify(&field)
                    .map(String::from)
                    .unwrap_or_default(),
            );
        }
        text.push(' ');
    }
    text
}

#[wasm_bindgen_test]
async fn favourites_and_recents_round_trip() {
    let store = fresh("1", KEY_A).await;
    let anna = contact("1", "Anna", "Berg");
    let jurgen = contact("2", "Jürgen", "Müller");
    store.pin(&anna).await.unwrap();
    store.pin(&jurgen).await.unwrap();
    store.record_use(&jurgen, Use::Called).await.unwrap();
    store.record_use(&anna, Use::Mailed).await.unwrap();
    let loaded = store.load().await.unwrap();
    assert_eq!(
        loaded
            .favourites
            .iter()
            .map(|f| f.contact.clone())
            .collect::<Vec<_>>(),
        [anna.clone(), jurgen.clone()]
    );
    assert!(
        loaded
            .favourites
            .iter()
            .all(|f| f.pinned_at > 0.0 && !f.gone)
    );
    assert_eq!(
        loaded
            .recents
            .iter()
            .map(|r| (r.contact.clone(), r.how))
            .collect::<Vec<_>>(),
        [(anna, Use::Mailed), (jurgen, Use::Called)]
    );
    assert_eq!(loaded.skipped, 0);
}

#[wasm_bindgen_test]
async fn no_stored_value_holds_a_name_number_or_id_in_clear_text() {
    let store = fresh("2", KEY_A).await;
    let mut zacharias = contact("777", "Zacharias", "Xylander");
    zacharias.phones[1].raw = "+49 89 4520007777".into();
    zacharias.phones[1].e164 = Some("+49894520007777".into());
    zacharias.upn = Some("zacharias.xylander@contoso.example".into());
    store.pin(&zacharias).await.unwrap();
    store.record_use(&zacharias, Use::Called).await.unwrap();
    let name = store.name().to_owned();
    let values = raw_values(&name).await;
    assert_eq!(
        values.len(),
        3,
        "the key check, one favourite, one recent: {}",
        values.len()
    );
    for (store, value) in &values {
        let text = visible_text(value);
        for secret in [
            "Zacharias",
            "Xylander",
            "4520007777",
            "xylander@",
            "test:777",
            "Contoso",
            "Einkauf",
            "called",
        ] {
            assert!(
                !text.to_lowercase().contains(&secret.to_lowercase()),
                "{store} holds {secret:?} in clear text: {text}"
            );
        }
    }
    assert!(!name.contains(TENANT) && !name.contains("000000000002"));
}

#[wasm_bindgen_test]
async fn a_new_key_clears_the_cache_once() {
    let store = fresh("3", KEY_A).await;
    store.pin(&contact("1", "Anna", "Berg")).await.unwrap();
    store
        .record_use(&contact("2", "Jürgen", "Müller"), Use::Opened)
        .await
        .unwrap();
    store.database().clone().close();

    // The service's secret was replaced: the same user now gets another key.
    let (store, changed) = DeviceStore::open(&me("3", KEY_B)).await.unwrap();
    assert!(changed, "the tab notices");
    assert_eq!(
        store.load().await.unwrap(),
        Loaded::default(),
        "and clears everything"
    );
    store.pin(&contact("3", "Carla", "Diaz")).await.unwrap();
    store.database().clone().close();

    // Told once: the next start with the same key is quiet and keeps the new pin.
    let (store, changed) = DeviceStore::open(&me("3", KEY_B)).await.unwrap();
    assert!(!changed);
    assert_eq!(
        ids(store
            .load()
            .await
            .unwrap()
            .favourites
            .into_iter()
            .map(|f| f.contact)),
        ["test:3"]
    );
}

#[wasm_bindgen_test]
async fn version_1_data_is_upgraded_in_place() {
    let me = me("4", KEY_A);
    let name = database_name(&me.tenant_id, &me.user_id);
    let _ = Database::delete_by_name(&name).unwrap().await;
    let sealer = Sealer::new(&me.cache_key, &me.tenant_id, &me.user_id).unwrap();
    // Version 1 as it was written: one `contacts` store, `at` instead of `order`, and a
    // sealed part that held only the contact.
    let v1 = Database::open(&name)
        .with_version(1u32)
        .with_on_upgrade_needed_fut(|_, db| async move {
            db.create_object_store(V1_CONTACTS)
                .with_key_path(["kind", "key"].into())
                .build()?;
            db.create_object_store(META)
                .with_key_path("key".into())
                .build()?;
            Ok(())
        })
        .await
        .unwrap();
    let tx = v1
        .transaction([V1_CONTACTS, META])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let write = |kind: &str, at: f64, c: &Contact| {
        let key = sealer.record_key(&c.id);
        let json = serde_json::to_vec(&serde_json::json!({ "contact": c })).unwrap();
        let raw = Raw {
            key: key.clone(),
            order: 0.0,
            sealed: sealer.seal(&key, &json).unwrap(),
        };
        let value = raw.to_js();
        Reflect::delete_property(value.unchecked_ref::<js_sys::Object>(), &"order".into()).unwrap();
        Reflect::set(&value, &"kind".into(), &kind.into()).unwrap();
        Reflect::set(&value, &"at".into(), &at.into()).unwrap();
        value
    };
    let contacts = tx.object_store(V1_CONTACTS).unwrap();
    // Pinned second, first, third; used at 300 and 100.
    contacts
        .put(write("favourite", 2000.0, &contact("1", "Anna", "Berg")))
        .await
        .unwrap();
    contacts
        .put(write(
            "favourite",
            1000.0,
            &contact("2", "Jürgen", "Müller"),
        ))
        .await
        .unwrap();
    contacts
        .put(write("favourite", 3000.0, &contact("3", "Carla", "Diaz")))
        .await
        .unwrap();
    contacts
        .put(write("recent", 100.0, &contact("4", "Dora", "Ek")))
        .await
        .unwrap();
    contacts
        .put(write("recent", 300.0, &contact("1", "Anna", "Berg")))
        .await
        .unwrap();
    let check = sealer.seal("check", b"kontakt device cache").unwrap();
    tx.object_store(META)
        .unwrap()
        .put(
            Raw {
                key: "check".into(),
                order: 0.0,
                sealed: check,
            }
            .to_js(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    v1.close();

    let (store, changed) = DeviceStore::open(&me).await.unwrap();
    assert!(!changed, "the same key still fits after the upgrade");
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.skipped, 0);
    assert_eq!(
        ids(loaded.favourites.iter().map(|f| f.contact.clone())),
        ["test:2", "test:1", "test:3"]
    );
    assert_eq!(
        loaded
            .favourites
            .iter()
            .map(|f| f.position)
            .collect::<Vec<_>>(),
        [0.0, 1.0, 2.0]
    );
    assert_eq!(
        ids(loaded.recents.iter().map(|r| r.contact.clone())),
        ["test:1", "test:4"]
    );
    assert_eq!(
        loaded
            .recents
            .iter()
            .map(|r| (r.used_at, r.how))
            .collect::<Vec<_>>(),
        [(300.0, Use::Opened), (100.0, Use::Opened)]
    );
    let stores: Vec<String> = store.database().object_store_names().collect();
    assert_eq!(
        stores,
        [FAVOURITES, META, RECENTS],
        "the version 1 store is gone"
    );
    assert_eq!(store.database().version(), 2.0);
}

#[wasm_bindgen_test]
async fn favourites_keep_the_users_order() {
    let store = fresh("5", KEY_A).await;
    for (i, name) in ["Anna", "Bert", "Carla", "Dora"].iter().enumerate() {
        store
            .pin(&contact(&i.to_string(), name, "X"))
            .await
            .unwrap();
    }
    let order = |l: Loaded| ids(l.favourites.into_iter().map(|f| f.contact));
    assert_eq!(
        order(store.load().await.unwrap()),
        ["test:0", "test:1", "test:2", "test:3"]
    );
    store
        .reorder(&["test:2".into(), "test:0".into()])
        .await
        .unwrap();
    assert_eq!(
        order(store.load().await.unwrap()),
        ["test:2", "test:0", "test:1", "test:3"]
    );
    // Pinning again does not move it; unpinning and pinning puts it last.
    store.pin(&contact("2", "Carla", "X")).await.unwrap();
    assert_eq!(
        order(store.load().await.unwrap()),
        ["test:2", "test:0", "test:1", "test:3"]
    );
    store.unpin("test:2").await.unwrap();
    store.pin(&contact("2", "Carla", "X")).await.unwrap();
    assert_eq!(
        order(store.load().await.unwrap()),
        ["test:0", "test:1", "test:3", "test:2"]
    );
}

#[wasm_bindgen_test]
async fn recents_are_deduplicated_newest_first_and_capped() {
    let store = fresh("6", KEY_A).await;
    for i in 0..(MAX_RECENTS + 5) {
        store
            .record_use(&contact(&i.to_string(), "P", &i.to_string()), Use::Opened)
            .await
            .unwrap();
        // Distinct times even on a fast machine.
        crate::infra::browser::sleep(std::time::Duration::from_millis(2)).await;
    }
    let recents = store.load().await.unwrap().recents;
    assert_eq!(recents.len(), MAX_RECENTS);
    assert_eq!(recents[0].contact.id, format!("test:{}", MAX_RECENTS + 4));
    assert_eq!(
        recents.last().unwrap().contact.id,
        "test:5",
        "the five oldest are gone"
    );
    // Using a contact again moves it to the front, with how it was used last.
    store
        .record_use(&contact("20", "P", "20"), Use::Chatted)
        .await
        .unwrap();
    let recents = store.load().await.unwrap().recents;
    assert_eq!(recents.len(), MAX_RECENTS);
    assert_eq!(
        (recents[0].contact.id.as_str(), recents[0].how),
        ("test:20", Use::Chatted)
    );
    assert_eq!(
        recents.iter().filter(|r| r.contact.id == "test:20").count(),
        1
    );
    store.forget_recent("test:20").await.unwrap();
    assert_eq!(store.load().await.unwrap().recents.len(), MAX_RECENTS - 1);
    store.clear_recents().await.unwrap();
    assert!(store.load().await.unwrap().recents.is_empty());
}

#[wasm_bindgen_test]
async fn a_corrupted_or_foreign_record_is_skipped_not_fatal() {
    let store = fresh("7", KEY_A).await;
    store.pin(&contact("1", "Anna", "Berg")).await.unwrap();
    store.pin(&contact("2", "Bert", "Cole")).await.unwrap();
    let name = store.name().to_owned();
    // Flip a bit in one record; add one that is not a record at all.
    let db = Database::open(&name).await.unwrap();
    let tx = db
        .transaction(FAVOURITES)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let favourites = tx.object_store(FAVOURITES).unwrap();
    let mut all: Vec<JsValue> = favourites
        .get_all::<JsValue>()
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect();
    all.sort_by(|a, b| {
        let order = |v: &JsValue| Reflect::get(v, &"order".into()).unwrap().as_f64().unwrap();
        order(a).total_cmp(&order(b))
    });
    let data: Uint8Array = Reflect::get(&all[0], &"data".into())
        .unwrap()
        .unchecked_into();
    data.set_index(3, data.get_index(3) ^ 1);
    favourites.put(all[0].clone()).await.unwrap();
    let junk = js_sys::Object::new();
    Reflect::set(&junk, &"key".into(), &"junk".into()).unwrap();
    favourites.put(JsValue::from(junk)).await.unwrap();
    tx.commit().await.unwrap();
    db.close();

    let loaded = store.load().await.unwrap();
    assert_eq!(
        ids(loaded.favourites.into_iter().map(|f| f.contact)),
        ["test:2"]
    );
    assert_eq!(loaded.skipped, 2);
}

#[wasm_bindgen_test]
async fn refreshed_snapshots_update_and_gone_contacts_are_kept_and_marked() {
    let store = fresh("8", KEY_A).await;
    let anna = contact("1", "Anna", "Berg");
    store.pin(&anna).await.unwrap();
    store.record_use(&anna, Use::Called).await.unwrap();
    assert!(
        store
            .due_for_check(js_sys::Date::now() + 1.0)
            .await
            .unwrap()
            == ["test:1"]
    );
    assert!(store.due_for_check(0.0).await.unwrap().is_empty());

    let mut married = anna.clone();
    married.surname = Some("Berg-Lund".into());
    married.display_name = "Anna Berg-Lund".into();
    assert!(store.refresh("test:1", Some(&married)).await.unwrap());
    assert!(
        !store.refresh("test:1", Some(&married)).await.unwrap(),
        "nothing new"
    );
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.favourites[0].contact, married);
    assert_eq!(loaded.recents[0].contact, married);
    assert_eq!(loaded.recents[0].how, Use::Called, "how it was used stays");

    assert!(store.refresh("test:1", None).await.unwrap());
    let loaded = store.load().await.unwrap();
    assert!(loaded.favourites[0].gone && loaded.recents[0].gone);
    assert_eq!(
        loaded.favourites[0].contact, married,
        "the last snapshot is kept"
    );
}

#[wasm_bindgen_test]
async fn wiping_removes_the_database() {
    let store = fresh("9", KEY_A).await;
    store.pin(&contact("1", "Anna", "Berg")).await.unwrap();
    let name = store.name().to_owned();
    store.wipe().await.unwrap();
    let db = Database::open(&name).await.unwrap();
    assert_eq!(db.version(), 1.0, "a new, empty database");
    assert_eq!(db.object_store_names().count(), 0);
    db.close();
    let _ = Database::delete_by_name(&name).unwrap().await;
}

#[wasm_bindgen_test]
async fn other_copies_of_the_tab_hear_about_changes() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let heard = Rc::new(RefCell::new(Vec::new()));
    let sink = heard.clone();
    let listener =
        Channel::open("kontakt-test-channel", move |m| sink.borrow_mut().push(m)).unwrap();
    let sender = Channel::open("kontakt-test-channel", |_| {}).unwrap();
    let stranger =
        Channel::open("kontakt-another-user", |_| panic!("another user's channel")).unwrap();
    sender.post(Message::Changed);
    sender.post(Message::Wiped);
    crate::infra::browser::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(*heard.borrow(), [Message::Changed, Message::Wiped]);
    drop((listener, stranger));
}

#[wasm_bindgen_test]
fn a_full_quota_is_told_apart_from_other_storage_errors() {
    let full =
        web_sys::DomException::new_with_message_and_name("quota", "QuotaExceededError").unwrap();
    let error = indexed_db_futures::error::Error::from(JsValue::from(full));
    assert_eq!(DeviceError::from(error), DeviceError::QuotaFull);
    let other = web_sys::DomException::new_with_message_and_name("gone", "UnknownError").unwrap();
    let error = indexed_db_futures::error::Error::from(JsValue::from(other));
    assert!(matches!(DeviceError::from(error), DeviceError::Storage(_)));
}

#[wasm_bindgen_test]
fn version_1_sealed_parts_read_as_version_2_snapshots() {
    let c = contact("1", "Anna", "Berg");
    let v1 = serde_json::to_vec(&serde_json::json!({ "contact": c })).unwrap();
    let s: Snapshot = serde_json::from_slice(&v1).unwrap();
    assert_eq!(
        (s.contact, s.how, s.gone, s.checked_at),
        (c, Use::Opened, false, 0.0)
    );
}
