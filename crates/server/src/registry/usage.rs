//! Anonymous counters per organisation and day: how many searches and lookups, how many
//! distinct users (from keyed hashes the directory makes with a key of the day, which the
//! cloud cannot turn back into a person and which are deleted when the day is over), and
//! how long answers took. The billing view is a month of these.

use sqlx::Row;

use super::{Registry, RegistryError};

/// Upper bounds of the latency buckets, in milliseconds; the last bucket is everything
/// above.
pub const LATENCY_BOUNDS_MS: [u64; 7] = [5, 10, 25, 50, 100, 250, 1000];
const LATENCY_COLUMNS: [&str; 8] = [
    "le_5ms", "le_10ms", "le_25ms", "le_50ms", "le_100ms", "le_250ms", "le_1s", "over_1s",
];

/// The bucket of an answer that took `ms`.
pub fn latency_bucket(ms: u64) -> usize {
    LATENCY_BOUNDS_MS
        .iter()
        .position(|&bound| ms <= bound)
        .unwrap_or(LATENCY_BOUNDS_MS.len())
}

/// Counts to add to a tenant's day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageReport {
    pub searches: u64,
    pub lookups: u64,
    /// Keyed hashes of today's users, as the directory sends them.
    pub user_hashes: Vec<String>,
    pub latency: [u64; 8],
}

impl UsageReport {
    pub fn is_empty(&self) -> bool {
        self.searches == 0
            && self.lookups == 0
            && self.user_hashes.is_empty()
            && self.latency.iter().all(|&n| n == 0)
    }
}

/// One tenant's month, as billed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UsageRow {
    pub tenant_id: String,
    pub organisation: String,
    pub days_used: i64,
    pub searches: i64,
    pub lookups: i64,
    /// Most distinct users on one day of the month.
    pub peak_daily_users: i64,
    /// Answers within 100 ms, of all answers, in per cent.
    pub answered_within_100ms_percent: Option<f64>,
}

impl Registry {
    /// Adds `report` to `tenant`'s counters of `day`.
    pub async fn add_usage(
        &self,
        tenant: &str,
        day: &str,
        report: &UsageReport,
    ) -> Result<(), RegistryError> {
        if report.is_empty() {
            return Ok(());
        }
        let tenant = tenant.to_ascii_lowercase();
        let mut tx = self.pool.begin().await?;
        let placeholders: Vec<String> = (0..LATENCY_COLUMNS.len())
            .map(|i| format!("${}", i + 5))
            .collect();
        // Each parameter once, in order (SQLite numbers them as they appear): the update
        // adds the inserted row's values.
        let sql = format!(
            "INSERT INTO usage_days (tenant_id, day, searches, lookups, {}) VALUES ($1, $2, $3, $4, {}) \
             ON CONFLICT (tenant_id, day) DO UPDATE SET searches = usage_days.searches + excluded.searches, \
             lookups = usage_days.lookups + excluded.lookups, {}",
            LATENCY_COLUMNS.join(", "),
            placeholders.join(", "),
            LATENCY_COLUMNS
                .iter()
                .map(|c| format!("{c} = usage_days.{c} + excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&tenant)
            .bind(day)
            .bind(report.searches as i64)
            .bind(report.lookups as i64);
        for n in report.latency {
            query = query.bind(n as i64);
        }
        query.execute(&mut *tx).await?;
        for user in &report.user_hashes {
            sqlx::query(
                "INSERT INTO active_users_today (tenant_id, day, user_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(&tenant)
            .bind(day)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Counts the distinct users of every day before `today` into its counters and
    /// deletes their hashes.
    pub(super) async fn close_days(&self, today: &str) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        let days = sqlx::query(
            "SELECT tenant_id, day, COUNT(*) AS n FROM active_users_today WHERE day < $1 GROUP BY tenant_id, day",
        )
        .bind(today)
        .fetch_all(&mut *tx)
        .await?;
        for row in &days {
            let (tenant, day, n): (String, String, i64) = (
                row.try_get("tenant_id")?,
                row.try_get("day")?,
                row.try_get("n")?,
            );
            sqlx::query(
                "INSERT INTO usage_days (tenant_id, day, active_users) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant_id, day) DO UPDATE SET active_users = excluded.active_users",
            )
            .bind(&tenant)
            .bind(&day)
            .bind(n)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM active_users_today WHERE day < $1")
            .bind(today)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A tenant's daily counters, as stored (today's users counted so far).
    pub async fn usage_of(&self, tenant: &str) -> Result<Vec<serde_json::Value>, RegistryError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT u.day, u.searches, u.lookups, u.active_users, {}, \
             (SELECT COUNT(*) FROM active_users_today a WHERE a.tenant_id = u.tenant_id AND a.day = u.day) AS today \
             FROM usage_days u WHERE u.tenant_id = $1 ORDER BY u.day",
            LATENCY_COLUMNS.map(|c| format!("u.{c}")).join(", ")
        )))
        .bind(tenant.to_ascii_lowercase())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let mut latency = serde_json::Map::new();
                for c in LATENCY_COLUMNS {
                    latency.insert(c.into(), r.try_get::<i64, _>(c)?.into());
                }
                let users: i64 = r.try_get("active_users")?;
                let today: i64 = r.try_get("today")?;
                Ok(serde_json::json!({
                    "day": r.try_get::<String, _>("day")?,
                    "searches": r.try_get::<i64, _>("searches")?,
                    "lookups": r.try_get::<i64, _>("lookups")?,
                    "active_users": users.max(today),
                    "latency": latency,
                }))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// The billing view of `month` (`2026-12`): one row per tenant that used the service.
    pub async fn usage_month(&self, month: &str) -> Result<Vec<UsageRow>, RegistryError> {
        let valid = month.len() == 7
            && month.as_bytes()[4] == b'-'
            && month
                .bytes()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit());
        if !valid {
            return Err(RegistryError::Invalid(format!(
                "--month must be a month like 2026-12, not {month:?}"
            )));
        }
        // PostgreSQL sums BIGINTs to NUMERIC, which the Any driver does not read: cast back.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT u.tenant_id, t.organisation, COUNT(*) AS days_used, CAST(SUM(u.searches) AS BIGINT) AS searches, \
             CAST(SUM(u.lookups) AS BIGINT) AS lookups, MAX(CASE WHEN u.active_users > COALESCE(a.n, 0) THEN u.active_users ELSE COALESCE(a.n, 0) END) AS peak, \
             CAST(SUM({fast}) AS BIGINT) AS fast, CAST(SUM({all}) AS BIGINT) AS answered \
             FROM usage_days u JOIN tenants t ON t.id = u.tenant_id \
             LEFT JOIN (SELECT tenant_id, day, COUNT(*) AS n FROM active_users_today GROUP BY tenant_id, day) a \
               ON a.tenant_id = u.tenant_id AND a.day = u.day \
             WHERE u.day >= $1 AND u.day <= $2 GROUP BY u.tenant_id, t.organisation ORDER BY t.organisation, u.tenant_id",
            fast = LATENCY_COLUMNS[..5].iter().map(|c| format!("u.{c}")).collect::<Vec<_>>().join(" + "),
            all = LATENCY_COLUMNS.map(|c| format!("u.{c}")).join(" + "),
        )))
        .bind(format!("{month}-01"))
        .bind(format!("{month}-31"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let fast: i64 = r.try_get("fast")?;
                let answered: i64 = r.try_get("answered")?;
                Ok(UsageRow {
                    tenant_id: r.try_get("tenant_id")?,
                    organisation: r.try_get("organisation")?,
                    days_used: r.try_get("days_used")?,
                    searches: r.try_get("searches")?,
                    lookups: r.try_get("lookups")?,
                    peak_daily_users: r.try_get("peak")?,
                    answered_within_100ms_percent: (answered > 0)
                        .then(|| (fast as f64 * 1000.0 / answered as f64).round() / 10.0),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(RegistryError::from)
    }
}

/// The billing view as CSV.
pub fn usage_csv(rows: &[UsageRow]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from(
        "tenant_id,organisation,days_used,searches,lookups,peak_daily_users,answered_within_100ms_percent\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.tenant_id,
            quote(&r.organisation),
            r.days_used,
            r.searches,
            r.lookups,
            r.peak_daily_users,
            r.answered_within_100ms_percent
                .map_or_else(String::new, |p| format!("{p:.1}")),
        ));
    }
    out
}
