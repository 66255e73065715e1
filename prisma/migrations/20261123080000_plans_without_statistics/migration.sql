-- certificates_supersededById_idx serves the foreign key's ON DELETE SET NULL, which looks
-- rows up by a certificate id, never by NULL. Its NULL entries (every live certificate) let
-- a plan made before the table had statistics (a new database, until autovacuum's first
-- ANALYZE) take "supersededById" IS NULL for a selective condition: the succession written
-- with each new certificate (storeIssued) then walked every live certificate of the fleet
-- through this index, on every issuance, for as long as the plan was kept
-- (test/db/hot-path-rows.e2e-spec.ts). Partial, it holds only superseded certificates.
DROP INDEX "certificates_supersededById_idx";

CREATE INDEX "certificates_supersededById_idx" ON "certificates"("supersededById") WHERE "supersededById" IS NOT NULL;

-- Refills rate-limit buckets (deletes their rows: a missing row is a full bucket), one pair
-- at a time by the unique (scope, "limitName", key) index. As one DELETE on the scope and the
-- pairs, a plan made without statistics read the scope (every bucket) through the
-- (scope, tat, id) index and filtered it: the list of pairs is an array the planner cannot
-- see into, and the scope looked selective. Called by storeIssued for the identifiers it
-- validated; usually none of their buckets exist.
CREATE FUNCTION fleetcert_refill_buckets(p_scope text, p_limits text[], p_keys text[])
RETURNS int LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  deleted int := 0;
  n int;
BEGIN
  FOR i IN 1..coalesce(cardinality(p_limits), 0) LOOP
    DELETE FROM rate_limit_buckets
     WHERE scope = p_scope AND "limitName" = p_limits[i] AND key = p_keys[i];
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
  END LOOP;
  RETURN deleted;
END;
$$;
