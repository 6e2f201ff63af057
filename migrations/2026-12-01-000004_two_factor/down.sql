ALTER TABLE agencies DROP COLUMN require_two_factor;
DROP TABLE recovery_codes;
DROP TABLE two_factor;
