//! Pinned contacts, in the user's order: drag a row, or move it with ↑/↓ on its handle.

use leptos::html::Button;
use leptos::prelude::*;

use super::focus::Section;
use super::row::{CallBest, SavedContact};
use crate::i18n::*;
use crate::infra::browser;
use crate::infra::device::Favourite;
use crate::state::{Feedback, Saved};
use crate::view::icons::GripIcon;
use crate::view::pin::PinButton;

/// Which favourite is being dragged, and over which one.
#[derive(Clone, Copy)]
struct Moving {
    dragging: RwSignal<Option<String>>,
    over: RwSignal<Option<String>>,
}

#[component]
pub fn Favourites() -> impl IntoView {
    let i18n = use_i18n();
    let saved = expect_context::<Saved>();
    let moving = Moving {
        dragging: RwSignal::new(None),
        over: RwSignal::new(None),
    };
    // The contact as stored, not its position: a moved row keeps its element (and its
    // handle the focus); a row whose contact the background check refreshed is built anew.
    let key = |f: &Favourite| (f.contact.clone(), f.gone);
    view! {
        <section class="saved" aria-labelledby="favourites-title">
            <h2 id="favourites-title" class="section-title">{t_string!(i18n, favourites_title)}</h2>
            <ul class="saved-list">
                <For each=move || saved.favourites.get() key=key let(favourite)>
                    <FavouriteRow favourite=favourite moving=moving />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn FavouriteRow(favourite: Favourite, moving: Moving) -> impl IntoView {
    let i18n = use_i18n();
    let (saved, feedback) = (expect_context::<Saved>(), expect_context::<Feedback>());
    let contact = favourite.contact.clone();
    let id = contact.id.clone();
    let name = contact.display_name.clone();
    let handle = NodeRef::<Button>::new();
    let moved = {
        let (id, name) = (id.clone(), name.clone());
        move |delta: isize| {
            if let Some(to) = saved.move_by(&id, delta) {
                let count = saved.favourites.with_untracked(Vec::len);
                let message = t_string!(
                    i18n,
                    moved_to,
                    name = name.clone(),
                    position = to + 1,
                    count = count
                )
                .to_string();
                feedback.announce(message);
                // Moving the element in the list takes focus from it; give it back.
                browser::focus(handle);
            }
        }
    };
    let on_handle_key = move |ev: web_sys::KeyboardEvent| {
        let delta = match ev.key().as_str() {
            "ArrowUp" => -1,
            "ArrowDown" => 1,
            _ => return,
        };
        ev.prevent_default();
        ev.stop_propagation();
        moved(delta);
    };
    let on_drop = {
        let id = id.clone();
        move |ev: web_sys::DragEvent| {
            ev.prevent_default();
            moving.over.set(None);
            let Some(from) = moving.dragging.get_untracked() else {
                return;
            };
            moving.dragging.set(None);
            let place = |of: &str| {
                saved
                    .favourites
                    .with_untracked(|f| f.iter().position(|f| f.contact.id == of))
            };
            if let (Some(at), Some(to)) = (place(&from), place(&id)) {
                saved.move_by(&from, to as isize - at as isize);
            }
        }
    };
    let (drag_id, over_id, target_id) = (id.clone(), id.clone(), id.clone());
    let is = |signal: RwSignal<Option<String>>, id: String| {
        move || signal.with(|s| s.as_deref() == Some(id.as_str()))
    };
    let move_label = t_string!(i18n, move_favourite, name = name.clone()).to_string();
    view! {
        <li
            class="saved-row"
            class:gone=favourite.gone
            class:drop-target={
                let over = is(moving.over, target_id);
                move || over() && moving.dragging.with(Option::is_some)
            }
            class:dragging=is(moving.dragging, id.clone())
            data-contact-id=id.clone()
            draggable="true"
            on:dragstart=move |ev: web_sys::DragEvent| {
                if let Some(transfer) = ev.data_transfer() {
                    transfer.set_effect_allowed("move");
                    // Firefox starts a drag only with data set.
                    let _ = transfer.set_data("text/plain", "");
                }
                moving.dragging.set(Some(drag_id.clone()));
            }
            on:dragover=move |ev: web_sys::DragEvent| {
                if moving.dragging.with_untracked(Option::is_some) {
                    ev.prevent_default();
                    moving.over.set(Some(over_id.clone()));
                }
            }
            on:dragend=move |_| {
                moving.dragging.set(None);
                moving.over.set(None);
            }
            on:drop=on_drop
        >
            <button
                id=format!("move-{id}")
                node_ref=handle
                class="icon-button drag-handle"
                type="button"
                aria-label=move_label.clone()
                title=move_label
                on:keydown=on_handle_key
            >
                <GripIcon />
            </button>
            <SavedContact
                row=(Section::Favourites, id.clone())
                contact=contact.clone()
                gone=favourite.gone
                detail=None
            />
            <span class="saved-actions">
                <CallBest contact=contact.clone() gone=favourite.gone />
                <PinButton contact=contact />
            </span>
        </li>
    }
}
