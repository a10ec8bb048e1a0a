//! A set of documents as one bit each: the documents of a directory that a newer version
//! of their contact, or its removal, hides (see [`crate::Served`]).

#[derive(Clone, Debug, Default)]
pub struct DocSet {
    words: Vec<u64>,
    len: usize,
}

impl DocSet {
    pub fn with_capacity(docs: usize) -> Self {
        DocSet {
            words: vec![0; docs.div_ceil(64)],
            len: 0,
        }
    }

    pub fn contains(&self, doc: u32) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|w| w >> (doc % 64) & 1 == 1)
    }

    /// Adds `doc`; whether it was new.
    pub fn insert(&mut self, doc: u32) -> bool {
        let i = doc as usize / 64;
        if i >= self.words.len() {
            self.words.resize(i + 1, 0);
        }
        let bit = 1u64 << (doc % 64);
        let new = self.words[i] & bit == 0;
        self.words[i] |= bit;
        self.len += usize::from(new);
        new
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn heap_bytes(&self) -> usize {
        self.words.len() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_was_inserted_once() {
        let mut set = DocSet::with_capacity(100);
        assert!(set.insert(3) && set.insert(64) && set.insert(700));
        assert!(!set.insert(64));
        assert_eq!(set.len(), 3);
        assert!(set.contains(3) && set.contains(64) && set.contains(700));
        assert!(!set.contains(4) && !set.contains(10_000));
    }
}
