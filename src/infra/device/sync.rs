//! Two open copies of the tab (Teams and a browser, or two windows) stay consistent: after
//! every change a copy tells the others on a `BroadcastChannel` named after the user's
//! database, and they read the database again. Only the event travels, never data.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Favourites or recents changed.
    Changed,
    /// Everything was removed from this device.
    Wiped,
}

impl Message {
    fn as_str(self) -> &'static str {
        match self {
            Message::Changed => "changed",
            Message::Wiped => "wiped",
        }
    }
}

pub struct Channel {
    channel: web_sys::BroadcastChannel,
    _listener: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Channel {
    /// `None` where the browser has no BroadcastChannel; then copies only catch up on reload.
    pub fn open(name: &str, on_message: impl Fn(Message) + 'static) -> Option<Channel> {
        let channel = web_sys::BroadcastChannel::new(name).ok()?;
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |e: web_sys::MessageEvent| match e.data().as_string().as_deref() {
                Some("changed") => on_message(Message::Changed),
                Some("wiped") => on_message(Message::Wiped),
                _ => {}
            },
        );
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Some(Channel {
            channel,
            _listener: listener,
        })
    }

    pub fn post(&self, message: Message) {
        let _ = self.channel.post_message(&message.as_str().into());
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
