//! Favourites, recents and settings as the views see them: signals fed from the device
//! store, painted as soon as the store is open (before any search), kept in step with
//! other open copies of the tab, and refreshed against the directory in the background.

use std::rc::Rc;
use std::time::Duration;

use kontakt_api::Contact;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::infra::api::ApiError;
use crate::infra::device::{Channel, DeviceError, DeviceStore, Favourite, Message, Recent, Use};
use crate::infra::session::Session;
use crate::infra::settings::Settings;

/// Snapshots are checked against the directory at most this often.
const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);
/// Spacing of background checks: well inside the service's per-user rate limit.
const CHECK_PACE: Duration = Duration::from_millis(150);

/// Something about the stored data the user should know, shown until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The service's secret was replaced; the old records were unreadable and removed.
    KeyChanged,
    QuotaFull,
    Unavailable,
    Failed(String),
    /// Everything was removed on request.
    Wiped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreState {
    Opening,
    Ready,
    Unavailable,
}

#[derive(Clone, Copy)]
pub struct Saved {
    pub favourites: RwSignal<Vec<Favourite>>,
    pub recents: RwSignal<Vec<Recent>>,
    pub state: RwSignal<StoreState>,
    pub notice: RwSignal<Option<Notice>>,
    pub settings: RwSignal<Settings>,
    /// The database's name, for the "what is stored" panel.
    pub database: RwSignal<Option<String>>,
    store: StoredValue<Option<Rc<DeviceStore>>, LocalStorage>,
    channel: StoredValue<Option<Rc<Channel>>, LocalStorage>,
    session: StoredValue<Session>,
}

impl Saved {
    /// Opens the user's store and paints what it holds; then checks it against the directory.
    pub fn start(session: Session) -> Saved {
        let saved = Saved {
            favourites: RwSignal::new(Vec::new()),
            recents: RwSignal::new(Vec::new()),
            state: RwSignal::new(StoreState::Opening),
            notice: RwSignal::new(None),
            settings: RwSignal::new(Settings::load()),
            database: RwSignal::new(None),
            store: StoredValue::new_local(None),
            channel: StoredValue::new_local(None),
            session: StoredValue::new(session),
        };
        spawn_local(async move {
            saved.open().await;
            saved.check_against_directory().await;
        });
        saved
    }

    async fn open(self) {
        let me = self.session.with_value(|s| s.me.clone());
        match DeviceStore::open(&me).await {
            Ok((store, key_changed)) => {
                if key_changed {
                    self.notice.set(Some(Notice::KeyChanged));
                }
                let store = Rc::new(store);
                self.watch_version_changes(&store);
                self.database.set(Some(store.name().to_owned()));
                let channel = Channel::open(store.name(), move |message| match message {
                    Message::Changed => spawn_local(async move { self.reload().await }),
                    Message::Wiped => self.wiped_elsewhere(),
                });
                self.channel.set_value(channel.map(Rc::new));
                self.store.set_value(Some(store));
                self.reload().await;
                self.state.set(StoreState::Ready);
            }
            Err(e) => {
                web_sys::console::warn_1(
                    &format!("Kontakt: favourites are not available: {e}").into(),
                );
                self.state.set(StoreState::Unavailable);
                self.notice.set(Some(Notice::Unavailable));
            }
        }
    }

    /// Another copy of the tab upgrades or deletes the database: let go of it, then open
    /// it again as it is now.
    fn watch_version_changes(self, store: &Rc<DeviceStore>) {
        let Ok(mut changes) = store.database().version_changes() else {
            return;
        };
        let weak = Rc::downgrade(store);
        spawn_local(async move {
            if changes.recv().await.is_some() {
                if let Some(store) = weak.upgrade() {
                    store.database().clone().close();
                }
                self.store.set_value(None);
                crate::infra::browser::sleep(Duration::from_millis(300)).await;
                self.open().await;
            }
        });
    }

    fn wiped_elsewhere(self) {
        self.favourites.set(Vec::new());
        self.recents.set(Vec::new());
        self.settings.set(Settings::load());
    }

    fn store(&self) -> Option<Rc<DeviceStore>> {
        self.store.get_value()
    }

    async fn reload(self) {
        let Some(store) = self.store() else { return };
        match store.load().await {
            Ok(loaded) => {
                self.favourites.set(loaded.favourites);
                self.recents.set(loaded.recents);
                crate::infra::perf::saved_painted();
            }
            Err(e) => self.fail(e),
        }
    }

    fn fail(self, e: DeviceError) {
        self.notice.set(Some(match e {
            DeviceError::QuotaFull => Notice::QuotaFull,
            DeviceError::Unavailable(_) => Notice::Unavailable,
            e => Notice::Failed(e.to_string()),
        }));
    }

    /// Runs a change against the store; on success every copy of the tab reads it again.
    fn change<F, Fut>(self, op: F)
    where
        F: FnOnce(Rc<DeviceStore>) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<(), DeviceError>>,
    {
        spawn_local(async move {
            let Some(store) = self.store() else {
                if self.state.get_untracked() == StoreState::Unavailable {
                    self.notice.set(Some(Notice::Unavailable));
                }
                return;
            };
            match op(store).await {
                Ok(()) => {
                    self.reload().await;
                    self.broadcast(Message::Changed);
                }
                Err(e) => {
                    self.fail(e);
                    self.reload().await;
                }
            }
        });
    }

    fn broadcast(self, message: Message) {
        if let Some(channel) = self.channel.get_value() {
            channel.post(message);
        }
    }

    /// The fingerprint of the directory key pinned on this device, which every request is
    /// sealed to.
    pub fn directory_key(&self) -> String {
        self.session.with_value(|s| s.directory.fingerprint())
    }

    /// Whether `contact_id` is pinned (tracked: views update when it changes).
    pub fn is_pinned(&self, contact_id: &str) -> bool {
        self.favourites
            .with(|f| f.iter().any(|f| f.contact.id == contact_id))
    }

    pub fn toggle_pin(self, contact: Contact) {
        if self
            .favourites
            .with_untracked(|f| f.iter().any(|f| f.contact.id == contact.id))
        {
            self.change(move |s| async move { s.unpin(&contact.id).await });
        } else {
            self.change(move |s| async move { s.pin(&contact).await });
        }
    }

    /// Moves a favourite `delta` places (negative: up). Returns its new index.
    pub fn move_by(self, contact_id: &str, delta: isize) -> Option<usize> {
        let mut ids: Vec<String> = self
            .favourites
            .with_untracked(|f| f.iter().map(|f| f.contact.id.clone()).collect());
        let from = ids.iter().position(|id| id == contact_id)?;
        let to = (from as isize + delta).clamp(0, ids.len() as isize - 1) as usize;
        if from == to {
            return Some(to);
        }
        let id = ids.remove(from);
        ids.insert(to, id);
        self.reorder(ids);
        Some(to)
    }

    /// Puts the favourites in this order; the list shows it at once.
    pub fn reorder(self, ids: Vec<String>) {
        self.favourites.update(|f| {
            f.sort_by_key(|f| {
                ids.iter()
                    .position(|id| *id == f.contact.id)
                    .unwrap_or(usize::MAX)
            });
        });
        self.change(move |s| async move { s.reorder(&ids).await });
    }

    /// Remembers that `contact` was used (unless the user switched recents off).
    pub fn record(self, contact: Contact, how: Use) {
        if !self.settings.get_untracked().keep_recents {
            return;
        }
        self.change(move |s| async move { s.record_use(&contact, how).await });
    }

    pub fn forget(self, contact_id: String) {
        self.change(move |s| async move { s.forget_recent(&contact_id).await });
    }

    pub fn clear_recents(self) {
        self.change(|s| async move { s.clear_recents().await });
    }

    pub fn set_settings(self, settings: Settings) {
        let was = self.settings.get_untracked();
        settings.save();
        self.settings.set(settings);
        if was.keep_recents && !settings.keep_recents {
            self.clear_recents();
        }
    }

    /// Removes everything Kontakt keeps on this device, then starts an empty store so the
    /// user can go on pinning.
    pub fn wipe(self) {
        spawn_local(async move {
            self.broadcast(Message::Wiped);
            Settings::clear();
            self.session.get_value().directory.forget_pin();
            self.settings.set(Settings::default());
            self.favourites.set(Vec::new());
            self.recents.set(Vec::new());
            let store = self.store.try_update_value(Option::take).flatten();
            self.channel.set_value(None);
            if let Some(store) = store
                && let Err(e) = store.wipe().await
            {
                self.fail(e);
                return;
            }
            self.notice.set(Some(Notice::Wiped));
            self.open().await;
        });
    }

    /// Asks the directory about every stored contact not checked recently: changed ones are
    /// updated, ones gone from their source are marked, never silently deleted.
    async fn check_against_directory(self) {
        let Some(store) = self.store() else { return };
        let before = js_sys::Date::now() - CHECK_EVERY.as_millis() as f64;
        let Ok(due) = store.due_for_check(before).await else {
            return;
        };
        let session = self.session.get_value();
        let mut changed = false;
        for id in due {
            crate::infra::browser::sleep(CHECK_PACE).await;
            let Ok(token) = session.token().await else {
                return;
            };
            let mut answer = session.directory.contact(&token, &id).await;
            if answer == Err(ApiError::RateLimited) {
                crate::infra::browser::sleep(Duration::from_secs(2)).await;
                answer = session.directory.contact(&token, &id).await;
            }
            let current = match answer {
                Ok(contact) => Some(contact),
                Err(ApiError::NotFound) => None,
                // Offline, signed out, service down: try again next time.
                Err(_) => return self.finish_check(changed).await,
            };
            match store.refresh(&id, current.as_ref()).await {
                Ok(c) => changed |= c,
                Err(e) => {
                    self.fail(e);
                    return;
                }
            }
        }
        self.finish_check(changed).await;
    }

    async fn finish_check(self, changed: bool) {
        if changed {
            self.reload().await;
            self.broadcast(Message::Changed);
        }
    }
}
