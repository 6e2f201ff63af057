DROP TABLE usage_addresses;
DROP TABLE usage_daily;
DROP TABLE usage_hourly;
