use serde::{Deserialize, Serialize};

use crate::Contact;

/// Answer of `GET /api/v1/search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    /// The query as the service understood it (trimmed).
    pub query: String,
    /// How many contacts match in all; `hits` holds at most `limit` of them.
    pub total: u64,
    pub hits: Vec<SearchHit>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub contact: Contact,
    /// Higher is better; only the order within one response is meaningful.
    pub score: f64,
    pub highlights: Vec<Highlight>,
}

/// Where the query matched one field of the contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Highlight {
    /// Path of the field in the contact: `display_name`, `company`, `department`,
    /// `job_title`, `address.city`, `emails[i]` or `phones[i]` (the `raw` text of that number).
    #[cfg_attr(feature = "openapi", schema(example = "display_name"))]
    pub field: String,
    /// Half-open `[start, end)` ranges counted in Unicode scalar values (code points) of the
    /// field's text, sorted and not overlapping.
    #[cfg_attr(feature = "openapi", schema(example = json!([[0, 3]])))]
    pub ranges: Vec<[u32; 2]>,
}

impl Highlight {
    /// Splits `text` into `(piece, highlighted)` runs, tolerating ranges that do not fit the
    /// text (a stale snapshot must still render, just without marks).
    pub fn split<'t>(text: &'t str, ranges: &[[u32; 2]]) -> Vec<(&'t str, bool)> {
        let byte_at: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let chars = byte_at.len() - 1;
        let mut out = Vec::new();
        let mut pos = 0usize;
        for &[start, end] in ranges {
            let (start, end) = (start as usize, (end as usize).min(chars));
            if start < pos || start >= end {
                continue;
            }
            if start > pos {
                out.push((&text[byte_at[pos]..byte_at[start]], false));
            }
            out.push((&text[byte_at[start]..byte_at[end]], true));
            pos = end;
        }
        if pos < chars || out.is_empty() {
            out.push((&text[byte_at[pos]..], false));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_counts_code_points_not_bytes() {
        assert_eq!(
            Highlight::split("Jürgen Müller", &[[0, 3], [7, 10]]),
            vec![
                ("Jür", true),
                ("gen ", false),
                ("Mül", true),
                ("ler", false)
            ]
        );
    }

    #[test]
    fn split_ignores_ranges_that_do_not_fit() {
        assert_eq!(
            Highlight::split("Anna", &[[2, 1], [10, 12]]),
            vec![("Anna", false)]
        );
        assert_eq!(
            Highlight::split("Anna", &[[2, 99]]),
            vec![("An", false), ("na", true)]
        );
        assert_eq!(Highlight::split("", &[]), vec![("", false)]);
    }
}
