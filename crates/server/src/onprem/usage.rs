//! What a directory tells its cloud about use, and nothing more: how many searches and
//! lookups it answered, and — to count distinct users without naming them — a hash of
//! each user keyed with a key of the day derived from the directory's secret key. The
//! cloud cannot turn it back into a person, and tomorrow's hash of the same person is
//! unrelated. Every instance of one organisation holds the same key, so a user served by
//! two instances is counted once.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use crate::link::ToCloud;

#[derive(Default)]
struct Day {
    day: String,
    searches: u64,
    lookups: u64,
    /// Users already reported today.
    seen: HashSet<[u8; 32]>,
    new_users: Vec<String>,
}

impl Day {
    fn report(&mut self) -> Option<ToCloud> {
        if self.searches == 0 && self.lookups == 0 && self.new_users.is_empty() {
            return None;
        }
        Some(ToCloud::Usage {
            day: self.day.clone(),
            searches: std::mem::take(&mut self.searches),
            lookups: std::mem::take(&mut self.lookups),
            users: std::mem::take(&mut self.new_users),
        })
    }
}

/// What was answered since the last report.
#[derive(Default)]
pub struct Tally {
    today: Day,
    /// Reports of days that ended before they were sent.
    finished: Vec<ToCloud>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    SignIn,
    Search,
    Lookup,
}

/// The hash a user is counted by on `day`.
pub fn user_hash(secret: &[u8], day: &str, tenant: &str, user: &str) -> [u8; 32] {
    let day_key = Sha256::new()
        .chain_update(b"kontakt usage day key\0")
        .chain_update(secret)
        .chain_update(day.as_bytes())
        .finalize();
    Sha256::new()
        .chain_update(day_key)
        .chain_update(tenant.as_bytes())
        .chain_update(b"\0")
        .chain_update(user.as_bytes())
        .finalize()
        .into()
}

impl Tally {
    pub fn count(&mut self, day: &str, what: Counted, user: [u8; 32]) {
        if self.today.day != day {
            let ended = std::mem::take(&mut self.today);
            let mut ended = ended;
            if let Some(report) = ended.report() {
                self.finished.push(report);
            }
            self.today.day = day.to_owned();
        }
        match what {
            Counted::Search => self.today.searches += 1,
            Counted::Lookup => self.today.lookups += 1,
            Counted::SignIn => {}
        }
        if self.today.seen.insert(user) {
            self.today.new_users.push(kontakt_seal::encode(&user[..16]));
        }
    }

    /// The reports to send now.
    pub fn take(&mut self) -> Vec<ToCloud> {
        let mut reports = std::mem::take(&mut self.finished);
        reports.extend(self.today.report());
        reports
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_counted_once_a_day_by_a_hash_of_that_day() {
        let mut tally = Tally::default();
        let anna = |day| user_hash(b"secret", day, "t", "anna");
        tally.count("2026-12-05", Counted::Search, anna("2026-12-05"));
        tally.count("2026-12-05", Counted::Lookup, anna("2026-12-05"));
        let first = tally.take();
        let [
            ToCloud::Usage {
                day,
                searches,
                lookups,
                users,
            },
        ] = first.as_slice()
        else {
            panic!("{first:?}")
        };
        assert_eq!(
            (day.as_str(), *searches, *lookups, users.len()),
            ("2026-12-05", 1, 1, 1)
        );
        tally.count("2026-12-05", Counted::Search, anna("2026-12-05"));
        let second = tally.take();
        let [ToCloud::Usage { users, .. }] = second.as_slice() else {
            panic!()
        };
        assert!(users.is_empty(), "reported once a day");
        tally.count("2026-12-06", Counted::Search, anna("2026-12-06"));
        let third = tally.take();
        let [ToCloud::Usage { users: next, .. }] = third.as_slice() else {
            panic!()
        };
        assert_eq!(next.len(), 1);
        assert_ne!(anna("2026-12-05"), anna("2026-12-06"));
        assert_ne!(
            user_hash(b"other", "2026-12-05", "t", "anna"),
            anna("2026-12-05")
        );
        assert!(tally.take().is_empty());
    }
}
