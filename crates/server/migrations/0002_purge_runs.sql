-- Which hour's purge has run: with several cloud nodes on one registry, the first node to
-- claim an hour runs that hour's purge and the others skip it. Holds no data of anyone.
CREATE TABLE purge_runs (
    slot BIGINT PRIMARY KEY,
    ran_at BIGINT NOT NULL
);
