-- The rate-limit settlement (fleetcert_apply_buckets, 20261122143000_rate_limit_apply_function)
-- queues its callers instead of letting them pile onto the bucket rows. Every new order
-- spends from the account's bucket and the fleet zone's registered-domain bucket, so every
-- settlement of every worker passes through those two rows.
--
-- Before, each caller waited on the row lock itself. When the holder committed, every
-- waiter woke, followed the row to its new version and re-checked it; all but one then
-- slept again. The no-op DO UPDATE that took the lock also wrote a row version of its
-- own, so each spend left two versions (and, as `tat` is indexed, two sets of index
-- entries) for the next caller to step over. With 32 callers at once, a settlement cost
-- Postgres 5.5-6.3 ms of CPU and took 3.6-4.2 ms; alone, 0.42-0.44 ms and 1.1 ms.
--
-- Now a caller first takes the bucket's advisory lock (transaction-scoped, in the same
-- global order as the rows): waiters sleep in the lock manager's queue and are woken one at
-- a time, and the holder finds its row unlocked. An existing row is locked with SELECT ...
-- FOR UPDATE, which writes nothing; only a missing one is inserted. With 32 callers at once
-- a settlement now costs 1.1-1.4 ms of CPU and takes 1.3-1.8 ms; alone, 0.33-0.38 ms and
-- 0.6-0.7 ms (bench/micro/rate-limit-settlement.ts; BENCHMARKS.md, seventeenth pass).
--
-- The lock key is the two-int4 form: hashtext(scope), hashtext(limit || '/' || key), a key
-- space apart from the one-bigint device locks (hashtextextended, submissions). Two buckets
-- whose keys collide only share a queue. Only this function takes these locks; the other
-- writers of rate_limit_buckets (emptyUntil, refund, fleetcert_refill_buckets) are rare
-- and still meet the row lock.
CREATE OR REPLACE FUNCTION fleetcert_apply_buckets(
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
  -- Spent buckets are locked in the order given: first the bucket's queue (an advisory
  -- lock), then its row, read with its latest committed TAT. A missing row is created full
  -- (TAT = now, whole milliseconds: with its microseconds it would lie after the floored
  -- clock below and a first spend of the whole capacity would be refused); the no-op DO
  -- UPDATE covers a row some other writer (emptyUntil) inserted meanwhile.
  FOR i IN 1..n LOOP
    CONTINUE WHEN NOT p_spend[i];
    PERFORM pg_advisory_xact_lock(hashtext(p_scope), hashtext(p_limits[i] || '/' || p_keys[i]));
    read_tat := NULL;
    SELECT (extract(epoch FROM b.tat) * 1000)::float8 INTO read_tat
      FROM rate_limit_buckets b
     WHERE b.scope = p_scope AND b."limitName" = p_limits[i] AND b.key = p_keys[i]
       FOR UPDATE;
    IF FOUND THEN
      tats[i] := read_tat;
      CONTINUE;
    END IF;
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
