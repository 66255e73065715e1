-- A rate-limit settlement (RateLimitRepository.apply, before every new order) in one round
-- trip instead of four (BEGIN, the locking read, the write, COMMIT). Every order spends from
-- the account's bucket, so every order queues on that one row: its lock was held across two
-- round trips to the worker and back, through a busy event loop, and the benchmark measured
-- a mean of 119 ms per order spent waiting for it. Here the lock is held for this function
-- and the commit that follows it.
--
-- The decision is the GCRA of libs/ratelimit/src/gcra.ts (`decide`), the same float8
-- arithmetic: `settle` all or nothing. The caller recomputes the settlement from the TATs
-- and the clock returned here and refuses to go on if the two disagree
-- (test/ratelimit/rate-limit-repository.e2e-spec.ts drives random cases through both).
--
-- Input: one element per distinct bucket (combined by the caller), in the callers' one
-- global lock order. Output: one row per bucket with its TAT before this call (epoch ms,
-- NULL for a missing row: full), the database's clock read once every lock was held, and
-- whether the spends were applied.
CREATE FUNCTION fleetcert_apply_buckets(
  p_scope text, p_limits text[], p_keys text[], p_costs float8[], p_refill_ms float8[],
  p_capacities float8[], p_check boolean[], p_spend boolean[]
) RETURNS TABLE (limit_name text, bucket_key text, tat_ms float8, now_ms float8, applied boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  n int := cardinality(p_limits);
  tats float8[] := array_fill(NULL::float8, ARRAY[n]);
  new_tats float8[] := array_fill(NULL::float8, ARRAY[n]);
  read_tat float8;
  t float8;
  base float8;
  next_tat float8;
  allowed boolean;
BEGIN
  -- Spent buckets are locked in the order given, a missing one created full (TAT = now,
  -- whole milliseconds: with its microseconds it would lie after the floored clock below
  -- and a first spend of the whole capacity would be refused): the no-op DO UPDATE locks an
  -- existing row and returns its latest committed TAT, after waiting for a concurrent spender.
  FOR i IN 1..n LOOP
    CONTINUE WHEN NOT p_spend[i];
    INSERT INTO rate_limit_buckets AS b (id, scope, "limitName", key, tat, "updatedAt")
    VALUES (gen_random_uuid(), p_scope, p_limits[i], p_keys[i],
            date_trunc('milliseconds', clock_timestamp() AT TIME ZONE 'UTC'), clock_timestamp() AT TIME ZONE 'UTC')
    ON CONFLICT (scope, "limitName", key) DO UPDATE SET tat = b.tat
    RETURNING (extract(epoch FROM b.tat) * 1000)::float8 INTO read_tat;
    tats[i] := read_tat;
  END LOOP;
  -- Checked-only buckets are read without a lock (no row: full).
  FOR i IN 1..n LOOP
    CONTINUE WHEN p_spend[i];
    read_tat := NULL;
    SELECT (extract(epoch FROM b.tat) * 1000)::float8 INTO read_tat
      FROM rate_limit_buckets b
     WHERE b.scope = p_scope AND b."limitName" = p_limits[i] AND b.key = p_keys[i];
    tats[i] := read_tat;
  END LOOP;
  -- The database's clock, once every lock is held: one clock for every worker.
  now_ms := (extract(epoch FROM clock_timestamp() AT TIME ZONE 'UTC') * 1000)::float8;
  applied := true;
  t := floor(now_ms);
  FOR i IN 1..n LOOP
    base := greatest(coalesce(tats[i], t), t);
    next_tat := base + p_costs[i] * p_refill_ms[i];
    allowed := NOT (next_tat - p_capacities[i] * p_refill_ms[i] > t);
    IF p_check[i] AND NOT allowed THEN
      applied := false;
    ELSIF p_spend[i] AND allowed THEN
      new_tats[i] := ceil(next_tat);
    END IF;
  END LOOP;
  IF applied THEN
    FOR i IN 1..n LOOP
      CONTINUE WHEN new_tats[i] IS NULL;
      UPDATE rate_limit_buckets b
         SET tat = to_timestamp(new_tats[i] / 1000) AT TIME ZONE 'UTC',
             "updatedAt" = clock_timestamp() AT TIME ZONE 'UTC'
       WHERE b.scope = p_scope AND b."limitName" = p_limits[i] AND b.key = p_keys[i];
    END LOOP;
  END IF;
  FOR i IN 1..n LOOP
    limit_name := p_limits[i];
    bucket_key := p_keys[i];
    tat_ms := tats[i];
    RETURN NEXT;
  END LOOP;
END $$;
