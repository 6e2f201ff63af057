DROP TABLE usage_addresses;
DROP TABLE usage_hourly;
