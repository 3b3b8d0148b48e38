-- Checkout's cached data and its version, for SQLite; kept in step with
-- migrations/postgres/0004_ordering_version.sql.

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
CREATE TRIGGER settings_ordering_insert AFTER INSERT ON settings BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER settings_ordering_update AFTER UPDATE ON settings BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER settings_ordering_delete AFTER DELETE ON settings BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER partners_ordering_insert AFTER INSERT ON partners BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER partners_ordering_update AFTER UPDATE ON partners BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER partners_ordering_delete AFTER DELETE ON partners BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER tiers_ordering_insert AFTER INSERT ON tiers BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER tiers_ordering_update AFTER UPDATE ON tiers BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER tiers_ordering_delete AFTER DELETE ON tiers BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER regions_ordering_insert AFTER INSERT ON regions BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER regions_ordering_update AFTER UPDATE ON regions BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER regions_ordering_delete AFTER DELETE ON regions BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER partner_addresses_ordering_insert AFTER INSERT ON partner_addresses BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER partner_addresses_ordering_update AFTER UPDATE ON partner_addresses BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER partner_addresses_ordering_delete AFTER DELETE ON partner_addresses BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER skus_ordering_insert AFTER INSERT ON skus BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER skus_ordering_update AFTER UPDATE ON skus BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER skus_ordering_delete AFTER DELETE ON skus BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER products_ordering_insert AFTER INSERT ON products BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER products_ordering_update AFTER UPDATE ON products BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER products_ordering_delete AFTER DELETE ON products BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER categories_ordering_insert AFTER INSERT ON categories BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER categories_ordering_update AFTER UPDATE ON categories BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER categories_ordering_delete AFTER DELETE ON categories BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER units_ordering_insert AFTER INSERT ON units BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER units_ordering_update AFTER UPDATE ON units BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER units_ordering_delete AFTER DELETE ON units BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER product_units_ordering_insert AFTER INSERT ON product_units BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER product_units_ordering_update AFTER UPDATE ON product_units BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER product_units_ordering_delete AFTER DELETE ON product_units BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER sku_order_rules_ordering_insert AFTER INSERT ON sku_order_rules BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER sku_order_rules_ordering_update AFTER UPDATE ON sku_order_rules BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER sku_order_rules_ordering_delete AFTER DELETE ON sku_order_rules BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER price_lists_ordering_insert AFTER INSERT ON price_lists BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER price_lists_ordering_update AFTER UPDATE ON price_lists BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER price_lists_ordering_delete AFTER DELETE ON price_lists BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER price_entries_ordering_insert AFTER INSERT ON price_entries BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER price_entries_ordering_update AFTER UPDATE ON price_entries BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER price_entries_ordering_delete AFTER DELETE ON price_entries BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER promotions_ordering_insert AFTER INSERT ON promotions BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER promotions_ordering_update AFTER UPDATE ON promotions BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER promotions_ordering_delete AFTER DELETE ON promotions BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
