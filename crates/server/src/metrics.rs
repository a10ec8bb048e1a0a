//! Anonymous operational metrics in Prometheus' text format (`GET /metrics`). Labels name
//! routes, statuses, reasons and sources — never users, queries or contacts. Every metric
//! is described in `docs/operations.md`.

use kontakt_api::{SourceState, SourceStatus};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route template (`/api/v1/contacts/{id}`), never the path or query.
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// The tenant's hash, as in the logs.
    pub tenant: String,
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TenantLabels {
    /// The tenant's hash, as in the logs.
    pub tenant: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub search_seconds: Histogram,
    pub tokens_rejected: Family<ReasonLabels, Counter>,
    pub rate_limited: Counter,
    /// Caller ID: lookups asked and answered with a name (never which numbers).
    pub callerid_lookups: Counter,
    pub callerid_hits: Counter,
    pub relayed: Family<OutcomeLabels, Counter>,
    pub relay_seconds: Histogram,
    directory_links: Family<TenantLabels, Gauge>,
    source_records: Family<SourceLabels, Gauge>,
    source_contacts: Family<SourceLabels, Gauge>,
    source_skipped: Family<SourceLabels, Gauge>,
    source_dropped: Family<SourceLabels, Gauge>,
    source_up: Family<SourceLabels, Gauge>,
    source_last_success: Family<SourceLabels, Gauge>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kontakt");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        // 50 µs … 0.8 s: the interesting part is well under a millisecond.
        let search_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 15));
        registry.register(
            "search_duration_seconds",
            "Time to answer a search, from parsed request to response body",
            search_seconds.clone(),
        );
        let tokens_rejected = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "tokens_rejected",
            "Bearer tokens refused, by reason",
            tokens_rejected.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429 by the per-user rate limit",
            rate_limited.clone(),
        );
        let callerid_lookups = Counter::default();
        registry.register(
            "callerid_lookups",
            "Caller ID lookups by phone systems (any protocol)",
            callerid_lookups.clone(),
        );
        let callerid_hits = Counter::default();
        registry.register(
            "callerid_hits",
            "Caller ID lookups answered with a name",
            callerid_hits.clone(),
        );
        let relayed = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "relayed_requests",
            "Sealed requests relayed to directories, by outcome (answered, offline, ticket_refused, rate_limited, key_changed, timeout, malformed, replayed)",
            relayed.clone(),
        );
        let relay_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 15));
        registry.register(
            "relay_duration_seconds",
            "Time from a sealed request's arrival to its directory's answer",
            relay_seconds.clone(),
        );
        let directory_links = Family::<TenantLabels, Gauge>::default();
        registry.register(
            "directory_links",
            "Directory instances linked right now, per tenant (hash)",
            directory_links.clone(),
        );
        let source_records = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_records",
            "Records (rows, cards, entries) each source held in its last successful read: contacts plus skipped",
            source_records.clone(),
        );
        let source_contacts = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_contacts",
            "Contacts in the snapshot of each source being served",
            source_contacts.clone(),
        );
        let source_skipped = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_skipped_rows",
            "Rows or entries skipped in the last successful load of each source",
            source_skipped.clone(),
        );
        let source_dropped = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_dropped_values",
            "Values left out of imported contacts in the last successful read (a phone value without digits, an e-mail value that is not an address)",
            source_dropped.clone(),
        );
        let source_up = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_up",
            "1 when the last refresh of the source succeeded, 0 when it failed or never ran",
            source_up.clone(),
        );
        let source_last_success = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_last_success_timestamp_seconds",
            "When each source was last read successfully (Unix time), 0 if never",
            source_last_success.clone(),
        );
        Metrics {
            registry,
            requests,
            search_seconds,
            tokens_rejected,
            rate_limited,
            callerid_lookups,
            callerid_hits,
            relayed,
            relay_seconds,
            directory_links,
            source_records,
            source_contacts,
            source_skipped,
            source_dropped,
            source_up,
            source_last_success,
        }
    }

    /// Linked directory instances of `tenant` (label) right now.
    pub fn set_links(&self, tenant: &str, count: usize) {
        self.directory_links
            .get_or_create(&TenantLabels {
                tenant: tenant.to_owned(),
            })
            .set(count as i64);
    }

    /// The text exposition, with source gauges from each tenant's (label's) sources as they
    /// are now.
    pub fn render<'t>(
        &self,
        sources: impl Iterator<Item = (&'t str, Vec<SourceStatus>)>,
    ) -> String {
        for (tenant, statuses) in sources {
            for s in statuses {
                let labels = SourceLabels {
                    tenant: tenant.to_owned(),
                    source: s.id.clone(),
                };
                self.source_records
                    .get_or_create(&labels)
                    .set(s.records as i64);
                self.source_contacts
                    .get_or_create(&labels)
                    .set(s.contacts as i64);
                self.source_dropped
                    .get_or_create(&labels)
                    .set(s.dropped as i64);
                self.source_skipped
                    .get_or_create(&labels)
                    .set(s.skipped as i64);
                self.source_up
                    .get_or_create(&labels)
                    .set(i64::from(s.state == SourceState::Ok));
                self.source_last_success
                    .get_or_create(&labels)
                    .set(s.last_success.unwrap_or(0) as i64);
            }
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
