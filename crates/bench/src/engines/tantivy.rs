//! tantivy, the default choice for a Rust search engine, given every advantage our own index
//! has: the same folded words (so `Müller`, `Mueller`, `Muller` are one term), the same
//! phonetic codes, the same number patterns. Tiers become boosts: exact 8, prefix 4, typo 2,
//! sound-alike 1.

use kontakt_directory::demo::{Generator, dialing};
use kontakt_directory::fields::{Field as KField, for_each_field};
use kontakt_directory::index::query::{Parsed, parse};
use kontakt_directory::phone::PhoneNormalizer;
use kontakt_directory::phonetic;
use kontakt_directory::text::{fold, for_each_word};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

use super::{Engine, Hit, LIMIT};
use crate::queries::Query;

pub struct Tantivy {
    reader: IndexReader,
    normalizer: PhoneNormalizer,
    id: Field,
    display: Field,
    words: [Field; 6],
    phonetic: Field,
    e164: Field,
    e164_rev: Field,
}

const FIELD_NAMES: [&str; 6] = ["name", "company", "department", "title", "city", "email"];

impl Tantivy {
    pub fn build(size: usize, seed: u64) -> anyhow::Result<Tantivy> {
        let mut sb = Schema::builder();
        let id = sb.add_text_field("id", STRING | STORED);
        let display = sb.add_text_field("display", STORED);
        let words = FIELD_NAMES.map(|n| sb.add_text_field(n, TEXT));
        let phonetic = sb.add_text_field("phonetic", STRING);
        let e164 = sb.add_text_field("e164", STRING);
        let e164_rev = sb.add_text_field("e164_rev", STRING);
        let index = Index::create_in_ram(sb.build());
        let mut writer = index.writer_with_num_threads(2, 256_000_000)?;
        let normalizer = PhoneNormalizer::new(&dialing())?;
        for c in Generator::new(size, seed) {
            let mut d = doc!(id => c.id.clone(), display => c.display_name.clone());
            for_each_field(&c, |field, text| {
                d.add_text(words[field as usize], fold(text));
                if field == KField::Name {
                    for_each_word(text, |w| {
                        if let Some(code) = phonetic::code(w) {
                            d.add_text(phonetic, code);
                        }
                    });
                }
            });
            for p in &c.phones {
                if let Some(e) = normalizer.normalize(&p.raw) {
                    d.add_text(e164, &e[1..]);
                    d.add_text(e164_rev, e[1..].chars().rev().collect::<String>());
                }
            }
            writer.add_document(d)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = index.reader()?;
        Ok(Tantivy {
            reader,
            normalizer,
            id,
            display,
            words,
            phonetic,
            e164,
            e164_rev,
        })
    }

    fn word_query(&self, word: &str) -> Box<dyn TQuery> {
        let mut should: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        let boost = |q: Box<dyn TQuery>, b: f32| -> (Occur, Box<dyn TQuery>) {
            (Occur::Should, Box::new(BoostQuery::new(q, b)))
        };
        for f in self.words {
            let term = Term::from_field_text(f, word);
            should.push(boost(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)),
                8.0,
            ));
            should.push(boost(
                Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, false)),
                4.0,
            ));
            let distance = match word.len() {
                0..=4 => 0,
                5..=8 => 1,
                _ => 2,
            };
            if distance > 0 {
                should.push(boost(
                    Box::new(FuzzyTermQuery::new_prefix(term, distance, true)),
                    2.0,
                ));
            }
        }
        if let Some(code) = phonetic::code(word) {
            let term = Term::from_field_text(self.phonetic, &code);
            should.push(boost(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                1.0,
            ));
        }
        Box::new(BooleanQuery::new(should))
    }

    fn query(&self, text: &str) -> Option<Box<dyn TQuery>> {
        match parse(text, &self.normalizer) {
            Parsed::Empty => None,
            Parsed::Words { words, .. } => {
                let must = words
                    .iter()
                    .map(|w| (Occur::Must, self.word_query(&w.folded)))
                    .collect();
                Some(Box::new(BooleanQuery::new(must)))
            }
            Parsed::Number(pattern) => {
                let mut should: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
                for e in &pattern.exact {
                    let t = Term::from_field_text(self.e164, e);
                    should.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(t, IndexRecordOption::Basic)),
                            4.0,
                        )),
                    ));
                }
                for p in &pattern.prefixes {
                    let t = Term::from_field_text(self.e164, p);
                    should.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new_prefix(t, 0, false)),
                            2.0,
                        )),
                    ));
                }
                if let Some(s) = &pattern.suffix {
                    let t =
                        Term::from_field_text(self.e164_rev, &s.chars().rev().collect::<String>());
                    should.push((
                        Occur::Should,
                        Box::new(FuzzyTermQuery::new_prefix(t, 0, false)),
                    ));
                }
                Some(Box::new(BooleanQuery::new(should)))
            }
        }
    }
}

impl Engine for Tantivy {
    fn search(&self, query: &Query) -> Option<(usize, Vec<Hit>)> {
        let q = self.query(&query.text)?;
        let searcher = self.reader.searcher();
        let (top, total) = searcher
            .search(&q, &(TopDocs::with_limit(LIMIT).order_by_score(), Count))
            .ok()?;
        let text = |d: &TantivyDocument, f: Field| {
            d.get_first(f).and_then(|v| v.as_str()).map(str::to_owned)
        };
        let hits = top
            .into_iter()
            .filter_map(|(_, addr)| searcher.doc::<TantivyDocument>(addr).ok())
            .map(|d| Hit {
                id: text(&d, self.id).unwrap_or_default(),
                display_name: text(&d, self.display).unwrap_or_default(),
            })
            .collect();
        Some((total, hits))
    }

    fn notes(&self) -> String {
        String::from("in RAM")
    }
}
