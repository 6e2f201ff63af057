DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
ALTER TABLE users DROP COLUMN email_notifications;
DROP TABLE notifications;
DROP TABLE events;
