-- HighLevel wire compatibility (SPEC §4): locations and users carry HighLevel's fields, and
-- contacts exist, owned by a sub-account.

-- A location's profile, as HighLevel's API reads and writes it. `allow_duplicate_contact`
-- decides whether two contacts of the location may share an email or a phone.
ALTER TABLE sub_accounts
    ADD COLUMN phone text,
    ADD COLUMN email text,
    ADD COLUMN address text,
    ADD COLUMN city text,
    ADD COLUMN state text,
    ADD COLUMN country text,
    ADD COLUMN postal_code text,
    ADD COLUMN website text,
    ADD COLUMN timezone text,
    ADD COLUMN allow_duplicate_contact boolean NOT NULL DEFAULT false;

-- A person's first and last names as given (HighLevel's `firstName`/`lastName`); `name`
-- stays the display name. Existing names split at their first space.
ALTER TABLE users
    ADD COLUMN first_name text NOT NULL DEFAULT '',
    ADD COLUMN last_name text NOT NULL DEFAULT '',
    ADD COLUMN phone text;
UPDATE users SET
    first_name = split_part(name, ' ', 1),
    last_name = CASE WHEN position(' ' IN name) > 0 THEN substr(name, position(' ' IN name) + 1) ELSE '' END;

-- Trigram indexes serve the contacts' free-text search.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE contacts (
    id uuid PRIMARY KEY,
    sub_account_id uuid NOT NULL REFERENCES sub_accounts (id) ON DELETE CASCADE,
    first_name text,
    last_name text,
    -- Lower-cased; compared within the location.
    email text CHECK (email = lower(email)),
    -- Digits with an optional leading +, as parsed.
    phone text CHECK (phone ~ '^\+?[0-9]{7,15}$'),
    company_name text,
    address1 text,
    city text,
    state text,
    postal_code text,
    country text,
    website text,
    timezone text,
    source text,
    gender text,
    date_of_birth date,
    contact_type text NOT NULL DEFAULT 'lead' CHECK (contact_type IN ('lead', 'customer')),
    dnd boolean NOT NULL DEFAULT false,
    -- Lower-cased, distinct.
    tags text[] NOT NULL DEFAULT '{}',
    assigned_to uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- What free-text search reads: names, email, phone and company, lower-cased.
    search text GENERATED ALWAYS AS (
        lower(
            coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' '
            || coalesce(phone, '') || ' ' || coalesce(company_name, '')
        )
    ) STORED
);

-- Newest first within a location (listing, default search order, keyset paging).
CREATE INDEX contacts_location_added_idx ON contacts (sub_account_id, created_at DESC, id DESC);
CREATE INDEX contacts_location_updated_idx ON contacts (sub_account_id, updated_at DESC, id DESC);
-- Upsert and duplicate checks.
CREATE INDEX contacts_location_email_idx ON contacts (sub_account_id, email) WHERE email IS NOT NULL;
CREATE INDEX contacts_location_phone_idx ON contacts (sub_account_id, phone) WHERE phone IS NOT NULL;
-- Sorting by name.
CREATE INDEX contacts_location_first_name_idx ON contacts (sub_account_id, lower(first_name), id);
CREATE INDEX contacts_location_last_name_idx ON contacts (sub_account_id, lower(last_name), id);
-- Filters on tags, and free text.
CREATE INDEX contacts_tags_idx ON contacts USING gin (tags);
CREATE INDEX contacts_search_idx ON contacts USING gin (search gin_trgm_ops);
