//! Components. Data flows one way: session → search state → these views.

mod avatar;
mod highlight;
mod results;
mod search_page;

pub use search_page::SearchPage;
