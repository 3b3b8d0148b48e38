-- Checkout's cached data and its version, for PostgreSQL; kept in step with
-- migrations/sqlite/0004_ordering_version.sql (here one statement-level trigger per table, where
-- SQLite needs one row-level trigger per table and event).

-- What checkout reads and rarely changes (partners and their addresses, the catalog, prices,
-- promotions, settings) carries one version number, bumped by a trigger in the same transaction
-- as any change to those tables. Every Qudao instance prices orders from a cache of that data and
-- the order desk compares the version the order was priced at with this row before it commits:
-- a trigger is the one place no writer can forget, and it works across instances.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO data_versions (name, value) VALUES ('ordering', 1);
GRANT SELECT, UPDATE ON data_versions TO qudao_app;

CREATE FUNCTION bump_ordering_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
    RETURN NULL;
END
$$;
CREATE TRIGGER settings_ordering AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER partners_ordering AFTER INSERT OR UPDATE OR DELETE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER tiers_ordering AFTER INSERT OR UPDATE OR DELETE ON tiers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER regions_ordering AFTER INSERT OR UPDATE OR DELETE ON regions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER partner_addresses_ordering AFTER INSERT OR UPDATE OR DELETE ON partner_addresses
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER skus_ordering AFTER INSERT OR UPDATE OR DELETE ON skus
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER products_ordering AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER categories_ordering AFTER INSERT OR UPDATE OR DELETE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER units_ordering AFTER INSERT OR UPDATE OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER product_units_ordering AFTER INSERT OR UPDATE OR DELETE ON product_units
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER sku_order_rules_ordering AFTER INSERT OR UPDATE OR DELETE ON sku_order_rules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER price_lists_ordering AFTER INSERT OR UPDATE OR DELETE ON price_lists
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER price_entries_ordering AFTER INSERT OR UPDATE OR DELETE ON price_entries
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
CREATE TRIGGER promotions_ordering AFTER INSERT OR UPDATE OR DELETE ON promotions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_ordering_version();
