-- The cloud's registry: every field the privacy statement names, and nothing more.
-- One schema for SQLite and PostgreSQL: TEXT and BIGINT only, times in seconds since 1970.

-- A registered organisation, as its administrator registered it.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    admin_name TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- NULL while the subscription runs; its end (past or future) once it is ended.
    subscription_ends_at BIGINT
);

-- Each enrolled directory: where its links authenticate and which key it holds.
CREATE TABLE directories (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    credential_hash TEXT NOT NULL UNIQUE,
    last_seen_at BIGINT
);
CREATE INDEX directories_tenant ON directories (tenant_id);

-- Open one-time enrollment codes: their SHA-256 only, deleted when used or expired.
CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Anonymous counters per organisation and day (UTC). Latency in buckets of the time the
-- cloud waited for the directory's answer.
CREATE TABLE usage_days (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    lookups BIGINT NOT NULL DEFAULT 0,
    active_users BIGINT NOT NULL DEFAULT 0,
    le_5ms BIGINT NOT NULL DEFAULT 0,
    le_10ms BIGINT NOT NULL DEFAULT 0,
    le_25ms BIGINT NOT NULL DEFAULT 0,
    le_50ms BIGINT NOT NULL DEFAULT 0,
    le_100ms BIGINT NOT NULL DEFAULT 0,
    le_250ms BIGINT NOT NULL DEFAULT 0,
    le_1s BIGINT NOT NULL DEFAULT 0,
    over_1s BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day)
);

-- Today's active users as the directory reports them: keyed hashes the cloud cannot
-- link to a person or to another day. Counted into usage_days.active_users and deleted
-- when the day is over.
CREATE TABLE active_users_today (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, day, user_hash)
);

-- That an organisation's data was deleted, and when: a hash of its id and the day.
CREATE TABLE deletions (
    tenant_hash TEXT NOT NULL,
    day TEXT NOT NULL
);
