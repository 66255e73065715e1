-- Device-token use stamps ("lastUsedAt") are written behind authentication, in batches
-- (apps/api/src/auth/token-use-recorder.ts). Such an UPDATE changes nothing a read cache
-- holds, so it no longer announces a change: announced, it dropped the authentication cache
-- entry the API had just filled for that very token, and cost a NOTIFY per stamped token.
--
-- UPDATE OF fires when any of the listed columns is in the statement's SET list, whether or
-- not its value changes: a revocation, a rotation, a move to another device, any change
-- but the stamp alone still notifies. Every column of device_tokens but "lastUsedAt" must be
-- listed (test/db/change-feed.e2e-spec.ts fails when a column is missing).

DROP TRIGGER device_tokens_notify_change ON "device_tokens";

CREATE TRIGGER device_tokens_notify_change
  AFTER INSERT OR DELETE OR UPDATE OF "id", "deviceId", "prefix", "hash", "createdAt", "revokedAt"
  ON "device_tokens"
  FOR EACH ROW EXECUTE FUNCTION fleetcert_notify_device_row('deviceId');
