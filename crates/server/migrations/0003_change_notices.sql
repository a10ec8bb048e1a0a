-- PostgreSQL only (several cloud nodes): whoever changes which organisations are registered
-- or which directories are enrolled — a node, the operator's command, a hand-written SQL
-- statement — notifies every node listening on `kontakt_registry`, so a revoked directory
-- is cut off on all nodes at once rather than at their next reading. The notice says only
-- which table changed.
CREATE FUNCTION kontakt_registry_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kontakt_registry', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION kontakt_registry_changed();

-- Not on UPDATE: a directory's last link time changes with every link and is not read.
CREATE TRIGGER directories_changed AFTER INSERT OR DELETE ON directories
    FOR EACH STATEMENT EXECUTE FUNCTION kontakt_registry_changed();
