DROP TABLE contacts;
DROP EXTENSION IF EXISTS pg_trgm;
ALTER TABLE users DROP COLUMN first_name, DROP COLUMN last_name, DROP COLUMN phone;
ALTER TABLE sub_accounts
    DROP COLUMN phone, DROP COLUMN email, DROP COLUMN address, DROP COLUMN city, DROP COLUMN state,
    DROP COLUMN country, DROP COLUMN postal_code, DROP COLUMN website, DROP COLUMN timezone,
    DROP COLUMN allow_duplicate_contact;
