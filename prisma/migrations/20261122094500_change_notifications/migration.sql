-- Change notifications for the API's read caches (libs/db/src/change-feed).
--
-- Every committed change to what a device's requests are answered from is announced on the
-- channel `fleetcert_changes`, with the device's id as payload (or `*` when a fleet changes,
-- which touches every device in it). NOTIFY is transactional: listeners hear of a change
-- only once it is committed, in commit order, and never of a rolled-back one. Triggers,
-- not application code, send it, so that no write path (the worker, an operator's SQL, a
-- future feature) can change a row and leave a cache holding the old one.

CREATE FUNCTION fleetcert_notify_device_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Rows that belong to a device carry its id in "deviceId"; devices themselves in "id".
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM pg_notify('fleetcert_changes', (to_jsonb(OLD) ->> TG_ARGV[0]));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    -- pg_notify drops a payload already sent in the same transaction: an UPDATE that keeps
    -- the device id costs one notification, as does a bulk statement over one device.
    PERFORM pg_notify('fleetcert_changes', (to_jsonb(NEW) ->> TG_ARGV[0]));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION fleetcert_notify_fleet_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fleetcert_changes', '*');
  RETURN NULL;
END $$;

CREATE TRIGGER devices_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON "devices"
  FOR EACH ROW EXECUTE FUNCTION fleetcert_notify_device_row('id');

-- The use stamp ("lastUsedAt") is announced too, though it is written at most every five
-- minutes a token: the authentication cache then reads it again once, and stays exact.
CREATE TRIGGER device_tokens_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON "device_tokens"
  FOR EACH ROW EXECUTE FUNCTION fleetcert_notify_device_row('deviceId');

CREATE TRIGGER certificate_requests_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON "certificate_requests"
  FOR EACH ROW EXECUTE FUNCTION fleetcert_notify_device_row('deviceId');

CREATE TRIGGER certificates_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON "certificates"
  FOR EACH ROW EXECUTE FUNCTION fleetcert_notify_device_row('deviceId');

CREATE TRIGGER fleets_notify_change
  AFTER UPDATE OR DELETE ON "fleets"
  FOR EACH STATEMENT EXECUTE FUNCTION fleetcert_notify_fleet_change();
