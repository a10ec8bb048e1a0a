//! The tenant registry against both of its databases: the same tests on a SQLite file and
//! on a real PostgreSQL (started by the tests on a private port). The clock is injected:
//! day 55 after a subscription's end the tenant is there, day 56 it is gone.

mod common;

use common::postgres;
use kontakt_server::registry::{
    FieldProblem, FormField, NewTenant, Registry, RegistryError, UsageReport, day_of, parse_date,
    tenant_hash, usage_csv,
};

const A: &str = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
const B: &str = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";
const DAY: i64 = 86_400;

fn new_tenant(id: &str, organisation: &str) -> NewTenant {
    NewTenant {
        id: id.to_owned(),
        organisation: organisation.to_owned(),
        admin_name: "Ada Admin".to_owned(),
        admin_email: "ada@example.com".to_owned(),
    }
}

fn key() -> String {
    kontakt_seal::SecretKey::generate(&mut |b| rand::fill(b))
        .public()
        .to_text()
}

/// Each test body, once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($body:ident) => {
        mod $body {
            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite:{}", dir.path().join("registry.sqlite").display());
                let registry = super::Registry::open(&url).await.unwrap();
                super::$body(registry).await;
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL (apt-get install postgresql); ./test runs it"]
            async fn postgresql() {
                let url = super::postgres::server().database();
                let registry = super::Registry::open(&url).await.unwrap();
                super::$body(registry).await;
            }
        }
    };
}

on_both!(registration_is_once_and_contact_details_are_editable);
async fn registration_is_once_and_contact_details_are_editable(r: Registry) {
    let now = parse_date("2026-12-05").unwrap();
    let t = r
        .register(&new_tenant(A, "Adlermöbel KG"), now)
        .await
        .unwrap();
    assert_eq!(t.organisation, "Adlermöbel KG");
    assert_eq!(t.subscription_ends_at, None);
    assert!(matches!(
        r.register(&new_tenant(&A.to_uppercase(), "Other"), now)
            .await,
        Err(RegistryError::AlreadyRegistered(_))
    ));
    assert!(matches!(
        r.register(
            &NewTenant {
                admin_email: "not an address".into(),
                ..new_tenant(B, "B")
            },
            now
        )
        .await,
        Err(RegistryError::Field {
            field: FormField::AdminEmail,
            problem: FieldProblem::NotEmail
        })
    ));
    r.update_contact(A, "Ada Lovelace", "ada.l@example.com", now + 60)
        .await
        .unwrap();
    let t = r.tenant(A).await.unwrap().unwrap();
    assert_eq!(
        (t.admin_name.as_str(), t.admin_email.as_str(), t.updated_at),
        ("Ada Lovelace", "ada.l@example.com", now + 60)
    );
    assert!(
        r.update_contact(B, "x", "x@example.com", now)
            .await
            .is_err()
    );
    // Reopening applies no migration twice.
    assert_eq!(r.tenants().await.unwrap().len(), 1);
}

on_both!(codes_are_single_use_expire_and_are_kept_as_hashes);
async fn codes_are_single_use_expire_and_are_kept_as_hashes(r: Registry) {
    let now = parse_date("2026-12-05").unwrap();
    r.register(&new_tenant(A, "A"), now).await.unwrap();
    let code = r.create_code(A, now).await.unwrap();
    let stored = serde_json::to_string(&r.stored_about(A).await.unwrap().unwrap()).unwrap();
    assert!(!stored.contains(&code) && !stored.contains(&code.replace('-', "")));
    let k = key();
    let enrolled = r
        .enroll(&code.to_lowercase(), A, &k, "Rechenzentrum 1", now + 10)
        .await
        .unwrap();
    assert_eq!(enrolled.tenant_id, A);
    let found = r
        .directory_by_credential(&enrolled.credential)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.tenant_id.as_str(), found.public_key.as_str()),
        (A, k.as_str())
    );
    assert_ne!(found.credential_hash, enrolled.credential);
    // Reused.
    assert!(matches!(
        r.enroll(&code, A, &k, "again", now + 20).await,
        Err(RegistryError::BadCode)
    ));
    // Expired: 24 hours.
    let late = r.create_code(A, now).await.unwrap();
    assert!(matches!(
        r.enroll(&late, A, &k, "late", now + DAY).await,
        Err(RegistryError::BadCode)
    ));
    // Guessed.
    assert!(matches!(
        r.enroll("AAAAA-AAAAA-AAAAA-AAAAA", A, &k, "guess", now)
            .await,
        Err(RegistryError::BadCode)
    ));
    // A second directory with another key is refused, and its code stays usable.
    let second = r.create_code(A, now).await.unwrap();
    let refused = r
        .enroll(&second, A, &key(), "other key", now)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, RegistryError::OtherKey { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("directory.key"));
    // A code of A is refused to a directory configured for B, and stays usable.
    assert!(matches!(
        r.enroll(&second, B, &k, "wrong tenant", now).await,
        Err(RegistryError::Invalid(_))
    ));
    let twin = r
        .enroll(&second, A, &k, "Rechenzentrum 2", now)
        .await
        .unwrap();
    assert_eq!(r.directories(A).await.unwrap().len(), 2);
    // Revoked: only by its own tenant, and its credential stops working.
    assert!(!r.revoke(B, &twin.directory_id).await.unwrap());
    assert!(r.revoke(A, &twin.directory_id).await.unwrap());
    assert!(
        r.directory_by_credential(&twin.credential)
            .await
            .unwrap()
            .is_none()
    );
    // Expired codes go with the purge.
    r.create_code(A, now).await.unwrap();
    assert_eq!(r.purge(now + 2 * DAY).await.unwrap().expired_codes, 1);
}

on_both!(fifty_six_days_after_the_end_everything_is_deleted);
async fn fifty_six_days_after_the_end_everything_is_deleted(r: Registry) {
    let start = parse_date("2026-10-01").unwrap();
    let end = parse_date("2026-12-31").unwrap();
    r.register(&new_tenant(A, "Ends"), start).await.unwrap();
    r.register(&new_tenant(B, "Stays"), start).await.unwrap();
    let code = r.create_code(A, start).await.unwrap();
    let enrolled = r.enroll(&code, A, &key(), "dir", start).await.unwrap();
    r.add_usage(
        A,
        &day_of(start),
        &UsageReport {
            searches: 3,
            lookups: 1,
            user_hashes: vec!["h1".into()],
            latency: [1, 0, 0, 0, 0, 0, 0, 0],
        },
    )
    .await
    .unwrap();
    r.create_code(A, end).await.unwrap();
    r.set_subscription_end(A, Some(end), start).await.unwrap();
    assert!(!r.tenant(A).await.unwrap().unwrap().ended(end - 1));
    assert!(r.tenant(A).await.unwrap().unwrap().ended(end));

    let day55 = r.purge(end + 55 * DAY).await.unwrap();
    assert!(day55.tenants.is_empty());
    assert!(r.tenant(A).await.unwrap().is_some());
    assert!(
        r.directory_by_credential(&enrolled.credential)
            .await
            .unwrap()
            .is_some()
    );

    let day56 = r.purge(end + 56 * DAY).await.unwrap();
    assert_eq!(day56.tenants, vec![tenant_hash(A)]);
    assert!(r.tenant(A).await.unwrap().is_none());
    assert!(
        r.directory_by_credential(&enrolled.credential)
            .await
            .unwrap()
            .is_none()
    );
    assert!(r.directories(A).await.unwrap().is_empty());
    assert!(r.usage_of(A).await.unwrap().is_empty());
    assert!(r.tenant(B).await.unwrap().is_some());
    // What remains of A: a hash of its id and the day.
    assert_eq!(
        r.deletions().await.unwrap(),
        vec![(tenant_hash(A), day_of(end + 56 * DAY))]
    );
    assert!(!tenant_hash(A).contains(A));
    // Deleting now, by the administrator or the operator.
    assert!(r.delete_tenant(B, end).await.unwrap());
    assert!(!r.delete_tenant(B, end).await.unwrap());
    assert!(r.tenants().await.unwrap().is_empty());
}

on_both!(usage_is_counted_per_day_and_billed_per_month);
async fn usage_is_counted_per_day_and_billed_per_month(r: Registry) {
    let d1 = parse_date("2026-12-01").unwrap();
    r.register(&new_tenant(A, "Adler, \"Möbel\""), d1)
        .await
        .unwrap();
    let report = |searches, users: &[&str]| UsageReport {
        searches,
        lookups: 1,
        user_hashes: users.iter().map(|s| s.to_string()).collect(),
        latency: [searches, 0, 0, 0, 0, 1, 0, 0],
    };
    // Two directory instances report the same user: counted once.
    r.add_usage(A, "2026-12-01", &report(10, &["u1", "u2"]))
        .await
        .unwrap();
    r.add_usage(A, "2026-12-01", &report(5, &["u2", "u3"]))
        .await
        .unwrap();
    r.add_usage(A, "2026-12-02", &report(1, &["u1"]))
        .await
        .unwrap();
    r.add_usage(A, "2026-11-30", &report(100, &["u9"]))
        .await
        .unwrap();
    // The day is over: its users are counted and their hashes deleted.
    r.purge(parse_date("2026-12-03").unwrap()).await.unwrap();
    let stored = serde_json::to_string(&r.stored_about(A).await.unwrap().unwrap()).unwrap();
    assert!(!stored.contains("u1") && !stored.contains("u2"), "{stored}");
    let rows = r.usage_month("2026-12").await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (
            row.days_used,
            row.searches,
            row.lookups,
            row.peak_daily_users
        ),
        (2, 16, 3, 3)
    );
    assert_eq!(row.answered_within_100ms_percent, Some(84.2));
    let csv = usage_csv(&rows);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        format!("{A},\"Adler, \"\"Möbel\"\"\",2,16,3,3,84.2")
    );
    assert!(r.usage_month("12/2026").await.is_err());
}

/// Several cloud nodes on one registry: each hour's purge is claimed by one of them.
async fn each_hours_purge_is_claimed_once(registry: Registry) {
    let now = 1_700_000_000;
    let second_node = &registry;
    assert!(registry.claim_purge(now).await.unwrap());
    assert!(!second_node.claim_purge(now + 60).await.unwrap());
    assert!(second_node.claim_purge(now + 3600).await.unwrap());
    assert!(!registry.claim_purge(now + 3601).await.unwrap());
}
on_both!(each_hours_purge_is_claimed_once);

/// Several cloud nodes on PostgreSQL: a change by one writer (another node, the operator's
/// command) reaches every node listening, at once — for what the nodes cache (organisations,
/// enrolled directories), and not for a directory's routine link time.
#[tokio::test]
#[ignore = "needs PostgreSQL (apt-get install postgresql); ./test runs it"]
async fn postgresql_tells_every_node_of_a_change() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    let url = postgres::server().database();
    let node = Registry::open(&url).await.unwrap();
    let writer = Registry::open(&url).await.unwrap();
    let notices = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&notices);
    let task = node
        .watch_changes(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .expect("PostgreSQL has change notices");
    // Listening counts as a change (what happened before is unknown); then each write.
    let settled = || async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        notices.swap(0, Ordering::SeqCst)
    };
    assert_eq!(
        settled().await,
        1,
        "the first notice is the listening itself"
    );
    writer.register(&new_tenant(A, "Adler"), 0).await.unwrap();
    assert_eq!(settled().await, 1, "a registration");
    let code = writer.create_code(A, 0).await.unwrap();
    let enrolled = writer.enroll(&code, A, &key(), "one", 10).await.unwrap();
    let directory = enrolled.directory_id;
    assert_eq!(settled().await, 1, "an enrollment");
    writer.seen(&directory, &key(), 20).await.unwrap();
    assert_eq!(settled().await, 0, "a link's routine update is no change");
    writer.revoke(A, &directory).await.unwrap();
    assert_eq!(settled().await, 1, "a revocation");
    task.abort();

    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite:{}", dir.path().join("registry.sqlite").display());
    let sqlite = Registry::open(&sqlite).await.unwrap();
    assert!(
        sqlite.watch_changes(|| {}).is_none(),
        "one node: nothing to tell"
    );
}
