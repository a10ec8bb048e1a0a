//! The one way views do something with a contact. Every action reports how it went; the
//! ones that reach a person put the contact in the recents.

use kontakt_api::{Contact, Phone};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::feedback::{Feedback, Toast};
use super::nav::{Nav, Screen};
use super::saved::Saved;
use crate::infra::actions::{self, ActionError, Capabilities};
use crate::infra::device::Use;
use crate::infra::session::Session;

/// Something the user asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Show the contact's details.
    Open(Contact),
    /// One click: the contact's best number, or the person in Teams without one.
    CallBest(Contact),
    CallNumber(Contact, Phone),
    /// Call the person in Teams (contacts with a user principal name).
    CallPerson(Contact),
    Chat(Contact),
    /// The mail program opens from the link itself; this only records the use.
    Mailed(Contact),
    Copy(String),
}

#[derive(Clone, Copy)]
pub struct Actions {
    /// What the host lets this user do.
    pub caps: Capabilities,
    session: StoredValue<Session>,
    saved: Saved,
    nav: Nav,
    feedback: Feedback,
}

impl Actions {
    pub fn new(session: Session, saved: Saved, nav: Nav, feedback: Feedback) -> Self {
        Actions {
            caps: Capabilities::of(&session),
            session: StoredValue::new(session),
            saved,
            nav,
            feedback,
        }
    }

    pub fn run(&self, action: Action) {
        let session = self.session.get_value();
        match action {
            Action::Open(contact) => {
                self.saved.record(contact.clone(), Use::Opened);
                self.nav.show(Screen::Contact(Box::new(contact)));
            }
            Action::CallBest(contact) => match self.best_call(&contact) {
                Ok(action) => self.run(action),
                Err(e) => self.feedback.notify(Toast::Failed(e)),
            },
            Action::CallNumber(contact, phone) => {
                self.spawn(
                    Some((contact, Use::Called)),
                    Toast::CallStarted,
                    async move { actions::call_number(&session, &phone).await },
                );
            }
            Action::CallPerson(contact) => {
                let person = contact.clone();
                self.spawn(
                    Some((contact, Use::Called)),
                    Toast::CallStarted,
                    async move { actions::call_person(&session, &person).await },
                );
            }
            Action::Chat(contact) => {
                let upn = contact.upn.clone();
                self.spawn(
                    Some((contact, Use::Chatted)),
                    Toast::ChatOpened,
                    async move {
                        let upn = upn.ok_or(ActionError::NotDialable)?;
                        actions::chat(&session, &upn).await
                    },
                );
            }
            Action::Mailed(contact) => self.saved.record(contact, Use::Mailed),
            Action::Copy(text) => {
                self.spawn(
                    None,
                    Toast::Copied,
                    async move { actions::copy(&text).await },
                );
            }
        }
    }

    /// The best number when it can be dialled and calling numbers is allowed; else the
    /// person in Teams; else why neither works.
    fn best_call(&self, contact: &Contact) -> Result<Action, ActionError> {
        match (contact.best_phone(), contact.upn.is_some()) {
            (Some(phone), _) if self.caps.pstn && phone.e164.is_some() => {
                Ok(Action::CallNumber(contact.clone(), phone.clone()))
            }
            (_, true) if self.caps.teams_calls => Ok(Action::CallPerson(contact.clone())),
            (Some(_), _) if !self.caps.pstn => Err(ActionError::PstnNotAllowed),
            _ => Err(ActionError::NotDialable),
        }
    }

    /// Runs `action`; when it worked the contact goes to the recents and `success` shows.
    fn spawn(
        &self,
        recent: Option<(Contact, Use)>,
        success: Toast,
        action: impl Future<Output = Result<(), ActionError>> + 'static,
    ) {
        let (saved, feedback) = (self.saved, self.feedback);
        spawn_local(async move {
            match action.await {
                Ok(()) => {
                    if let Some((contact, how)) = recent {
                        saved.record(contact, how);
                    }
                    feedback.notify(success);
                }
                Err(e) => feedback.notify(Toast::Failed(e)),
            }
        });
    }
}
