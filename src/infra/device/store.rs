//! One user's favourites and recents in their own IndexedDB database.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kontakt_api::{Contact, Me};
use wasm_bindgen::JsValue;

use super::DeviceError;
use super::records::{Favourite, Raw, Recent, Snapshot, Use};
use super::schema::{self, FAVOURITES, META, RECENTS};
use super::seal::{Sealer, database_name};

/// Recents beyond this many are forgotten, oldest first.
pub const MAX_RECENTS: usize = 50;

/// A record that proves the key still fits: when it no longer opens, the service's secret
/// was replaced and nothing else in the database can be read either.
const CHECK_KEY: &str = "check";
const CHECK_TEXT: &[u8] = b"kontakt device cache";

pub struct DeviceStore {
    db: Database,
    sealer: Sealer,
    name: String,
}

/// Everything that could be read, and how many records could not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// In the user's order.
    pub favourites: Vec<Favourite>,
    /// Newest first.
    pub recents: Vec<Recent>,
    /// Records that did not decrypt or decode: skipped (and logged), never fatal.
    pub skipped: usize,
}

fn now() -> f64 {
    js_sys::Date::now()
}

impl DeviceStore {
    /// Opens (or creates) the user's database. The flag says the key had changed: the
    /// database was cleared, which the user should be told about once.
    pub async fn open(me: &Me) -> Result<(DeviceStore, bool), DeviceError> {
        let sealer = Sealer::new(&me.cache_key, &me.tenant_id, &me.user_id)?;
        let name = database_name(&me.tenant_id, &me.user_id);
        let db = schema::open(&name).await?;
        let store = DeviceStore { db, sealer, name };
        let key_changed = store.check_key().await?;
        Ok((store, key_changed))
    }

    /// The database's name (a hash; see `seal::database_name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    async fn check_key(&self) -> Result<bool, DeviceError> {
        let tx = self.write(&[FAVOURITES, RECENTS, META])?;
        let meta = tx.object_store(META)?;
        let check: Option<JsValue> = meta.get(CHECK_KEY).await?;
        let fits = check
            .as_ref()
            .and_then(Raw::from_js)
            .and_then(|raw| self.sealer.open(CHECK_KEY, &raw.sealed).ok())
            .is_some_and(|text| text == CHECK_TEXT);
        if fits {
            return Ok(false);
        }
        let changed = check.is_some();
        if changed {
            tx.object_store(FAVOURITES)?.clear()?.await?;
            tx.object_store(RECENTS)?.clear()?.await?;
        }
        let sealed = self.sealer.seal(CHECK_KEY, CHECK_TEXT)?;
        meta.put(
            Raw {
                key: CHECK_KEY.into(),
                order: 0.0,
                sealed,
            }
            .to_js(),
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    fn write<'a>(
        &'a self,
        stores: &[&str],
    ) -> Result<indexed_db_futures::transaction::Transaction<'a>, DeviceError> {
        Ok(self
            .db
            .transaction(stores.to_vec())
            .with_mode(TransactionMode::Readwrite)
            .build()?)
    }

    fn seal(&self, key: &str, snapshot: &Snapshot) -> Result<Raw, DeviceError> {
        let json = serde_json::to_vec(snapshot).map_err(|e| DeviceError::Storage(e.to_string()))?;
        Ok(Raw {
            key: key.to_owned(),
            order: 0.0,
            sealed: self.sealer.seal(key, &json)?,
        })
    }

    fn open_record(&self, raw: &Raw) -> Option<Snapshot> {
        let plain = self.sealer.open(&raw.key, &raw.sealed).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    async fn raw_records(
        store: &indexed_db_futures::object_store::ObjectStore<'_>,
    ) -> Result<Vec<(JsValue, Option<Raw>)>, DeviceError> {
        let mut out = Vec::new();
        for value in store.get_all::<JsValue>().await? {
            let value = value?;
            let raw = Raw::from_js(&value);
            out.push((value, raw));
        }
        Ok(out)
    }

    /// Reads and opens everything. Records that do not open are counted and skipped.
    pub async fn load(&self) -> Result<Loaded, DeviceError> {
        let tx = self.db.transaction([FAVOURITES, RECENTS]).build()?;
        let mut loaded = Loaded::default();
        for (_, raw) in Self::raw_records(&tx.object_store(FAVOURITES)?).await? {
            match raw
                .as_ref()
                .and_then(|r| Some((r.order, self.open_record(r)?)))
            {
                Some((position, s)) => loaded.favourites.push(Favourite {
                    contact: s.contact,
                    pinned_at: s.pinned_at,
                    position,
                    gone: s.gone,
                }),
                None => loaded.skipped += 1,
            }
        }
        for (_, raw) in Self::raw_records(&tx.object_store(RECENTS)?).await? {
            match raw
                .as_ref()
                .and_then(|r| Some((r.order, self.open_record(r)?)))
            {
                Some((used_at, s)) => loaded.recents.push(Recent {
                    contact: s.contact,
                    used_at,
                    how: s.how,
                    gone: s.gone,
                }),
                None => loaded.skipped += 1,
            }
        }
        if loaded.skipped > 0 {
            // Counted, never described: the log must not carry contact data either.
            web_sys::console::warn_1(
                &format!(
                    "Kontakt: skipped {} stored record(s) that could not be read",
                    loaded.skipped
                )
                .into(),
            );
        }
        loaded.favourites.sort_by(|a, b| {
            a.position
                .total_cmp(&b.position)
                .then(a.pinned_at.total_cmp(&b.pinned_at))
        });
        loaded
            .recents
            .sort_by(|a, b| b.used_at.total_cmp(&a.used_at));
        Ok(loaded)
    }

    /// Pins `contact` at the end of the favourites (a contact already pinned stays where it is).
    pub async fn pin(&self, contact: &Contact) -> Result<(), DeviceError> {
        let key = self.sealer.record_key(&contact.id);
        let tx = self.write(&[FAVOURITES])?;
        let store = tx.object_store(FAVOURITES)?;
        let existing = Self::raw_records(&store).await?;
        if existing
            .iter()
            .any(|(_, r)| r.as_ref().is_some_and(|r| r.key == key))
        {
            return Ok(());
        }
        let last = existing
            .iter()
            .filter_map(|(_, r)| r.as_ref().map(|r| r.order))
            .fold(-1.0, f64::max);
        let mut raw = self.seal(
            &key,
            &Snapshot {
                contact: contact.clone(),
                pinned_at: now(),
                how: Use::default(),
                gone: false,
                checked_at: now(),
            },
        )?;
        raw.order = last + 1.0;
        store.put(raw.to_js()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn unpin(&self, contact_id: &str) -> Result<(), DeviceError> {
        self.delete(FAVOURITES, contact_id).await
    }

    pub async fn forget_recent(&self, contact_id: &str) -> Result<(), DeviceError> {
        self.delete(RECENTS, contact_id).await
    }

    async fn delete(&self, store_name: &str, contact_id: &str) -> Result<(), DeviceError> {
        let tx = self.write(&[store_name])?;
        tx.object_store(store_name)?
            .delete(self.sealer.record_key(contact_id))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_recents(&self) -> Result<(), DeviceError> {
        let tx = self.write(&[RECENTS])?;
        tx.object_store(RECENTS)?.clear()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts the favourites in the order of `contact_ids`; ones not named keep their relative
    /// order after them. Only positions change: nothing is re-sealed.
    pub async fn reorder(&self, contact_ids: &[String]) -> Result<(), DeviceError> {
        let wanted: Vec<String> = contact_ids
            .iter()
            .map(|id| self.sealer.record_key(id))
            .collect();
        let tx = self.write(&[FAVOURITES])?;
        let store = tx.object_store(FAVOURITES)?;
        let mut records: Vec<(JsValue, Raw)> = Self::raw_records(&store)
            .await?
            .into_iter()
            .filter_map(|(v, r)| Some((v, r?)))
            .collect();
        records.sort_by_key(|(_, r)| {
            let rank = wanted
                .iter()
                .position(|k| *k == r.key)
                .unwrap_or(usize::MAX);
            (rank, (r.order * 1000.0) as i64)
        });
        for (position, (value, raw)) in records.into_iter().enumerate() {
            if raw.order != position as f64 {
                js_sys::Reflect::set(&value, &"order".into(), &(position as f64).into())
                    .map_err(|_| DeviceError::Storage("cannot reorder".into()))?;
                store.put(value).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Remembers that `contact` was just used, newest first, at most [`MAX_RECENTS`].
    pub async fn record_use(&self, contact: &Contact, how: Use) -> Result<(), DeviceError> {
        let key = self.sealer.record_key(&contact.id);
        let tx = self.write(&[RECENTS])?;
        let store = tx.object_store(RECENTS)?;
        let mut raw = self.seal(
            &key,
            &Snapshot {
                contact: contact.clone(),
                pinned_at: 0.0,
                how,
                gone: false,
                checked_at: now(),
            },
        )?;
        raw.order = now();
        store.put(raw.to_js()).await?;
        let mut all: Vec<Raw> = Self::raw_records(&store)
            .await?
            .into_iter()
            .filter_map(|(_, r)| r)
            .collect();
        all.sort_by(|a, b| b.order.total_cmp(&a.order));
        for old in all.iter().skip(MAX_RECENTS) {
            store.delete(old.key.clone()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The contact ids whose snapshots were last checked against the service before `before`.
    pub async fn due_for_check(&self, before: f64) -> Result<Vec<String>, DeviceError> {
        let tx = self.db.transaction([FAVOURITES, RECENTS]).build()?;
        let mut ids = Vec::new();
        for name in [FAVOURITES, RECENTS] {
            for (_, raw) in Self::raw_records(&tx.object_store(name)?).await? {
                if let Some(s) = raw.as_ref().and_then(|r| self.open_record(r))
                    && s.checked_at < before
                    && !ids.contains(&s.contact.id)
                {
                    ids.push(s.contact.id);
                }
            }
        }
        Ok(ids)
    }

    /// Stores what the service now says about a contact: its current data, or (`None`) that
    /// its source no longer has it — then the last snapshot stays, marked as gone. Returns
    /// whether anything visible changed.
    pub async fn refresh(
        &self,
        contact_id: &str,
        current: Option<&Contact>,
    ) -> Result<bool, DeviceError> {
        let key = self.sealer.record_key(contact_id);
        let tx = self.write(&[FAVOURITES, RECENTS])?;
        let mut changed = false;
        for name in [FAVOURITES, RECENTS] {
            let store = tx.object_store(name)?;
            let found: Option<JsValue> = store.get(key.clone()).await?;
            let Some(raw) = found.as_ref().and_then(Raw::from_js) else {
                continue;
            };
            let Some(mut snapshot) = self.open_record(&raw) else {
                continue;
            };
            let before = (snapshot.contact.clone(), snapshot.gone);
            match current {
                Some(contact) => {
                    snapshot.contact = contact.clone();
                    snapshot.gone = false;
                }
                None => snapshot.gone = true,
            }
            changed |= before != (snapshot.contact.clone(), snapshot.gone);
            snapshot.checked_at = now();
            let mut sealed = self.seal(&key, &snapshot)?;
            sealed.order = raw.order;
            store.put(sealed.to_js()).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Deletes the whole database: favourites, recents, the key check. The store is
    /// unusable afterwards.
    pub async fn wipe(&self) -> Result<(), DeviceError> {
        self.db.clone().close();
        Database::delete_by_name(&self.name)?.await?;
        Ok(())
    }
}
