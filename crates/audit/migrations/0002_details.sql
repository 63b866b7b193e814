-- Free text an entry may carry about its action (field names, counts; never values). Rows
-- appended before it have NULL here, which the canonical encoding reads as "no details", so
-- their leaf hashes are unchanged. Nullable with no default: adding it rewrites no entry.
ALTER TABLE audit_entries ADD COLUMN details TEXT;
