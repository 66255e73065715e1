-- A CSR submission (`POST /v1/certificates`) in one round trip instead of four (BEGIN with
-- the device's lock, the state read, the insert, COMMIT). Each round trip costs the API a
-- socket write, and a loopback send runs the receiving side's TCP path on the sender's CPU:
-- under the API benchmark those four were ~0.4 ms of the API's CPU per submission.
--
-- No business rule lives here. The API decides (Idempotency-Key, open request for the same
-- CSR, the home-privacy guard, the replaced certificate) in TypeScript on a state this
-- function returned, and asks it to store the request only if, under the device's lock, the
-- state is still that one: a compare-and-insert. The state read was a prepared statement in
-- libs/db/src/repositories/certificate-request.submission-sql.ts; it moved here (as jsonb,
-- the same conditions) so that it runs after the lock is taken.

-- What a submission decides on, always one object; ids are null where nothing matches:
-- the request already made with the Idempotency-Key (and its CSR's hash), the newest open
-- request for this very CSR, the device's newest live certificate for exactly this
-- identifier set (what a new one replaces), and with p_with_live the device's open
-- requests and those with a live certificate, newest first (the home-privacy guard's input;
-- 50 newest; instants as epoch milliseconds), else an empty list.
CREATE FUNCTION fleetcert_submission_state(
  p_device uuid, p_idempotency_key text, p_csr_sha256 text, p_identifier_set text, p_with_live boolean
) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  -- PL/pgSQL, not SQL, for its cached plan: a SQL function's query is planned on every call.
  RETURN (SELECT jsonb_build_object(
           'idempotentId', idem.id, 'idempotentCsrSha256', idem."csrSha256",
           'openId', (SELECT o.id FROM certificate_requests o
                       WHERE o."deviceId" = p_device AND o."csrSha256" = p_csr_sha256
                         AND o.status IN ('pending', 'deferred', 'processing')
                       ORDER BY o."createdAt" DESC
                       LIMIT 1),
           'replacesId', replaced.id, 'replacesAriCertId', replaced."ariCertId",
           'live', CASE WHEN p_with_live THEN
             (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                        'identifierSet', l."identifierSet", 'publicKeySha256', l."publicKeySha256",
                        'status', l.status, 'createdAtMs', (extract(epoch FROM l."createdAt") * 1000)::float8,
                        'certificateCreatedAtMs', (extract(epoch FROM l."certificateCreatedAt") * 1000)::float8,
                        'certificatePublicKeySha256', l."certificatePublicKeySha256")
                      ORDER BY l."createdAt" DESC), '[]'::jsonb)
                FROM (SELECT r."identifierSet", r."publicKeySha256", r.status, r."createdAt",
                             c."createdAt" AS "certificateCreatedAt",
                             c."publicKeySha256" AS "certificatePublicKeySha256"
                        FROM certificate_requests r LEFT JOIN certificates c ON c."requestId" = r.id
                       WHERE r."deviceId" = p_device
                         AND (r.status IN ('pending', 'deferred', 'processing')
                              OR (r.status = 'valid' AND c."revokedAt" IS NULL
                                  AND c."notAfter" > (clock_timestamp() AT TIME ZONE 'UTC')))
                       ORDER BY r."createdAt" DESC
                       LIMIT 50) AS l)
             ELSE '[]'::jsonb END)
    FROM (SELECT 1) AS one
    LEFT JOIN certificate_requests idem ON idem."deviceId" = p_device AND idem."idempotencyKey" = p_idempotency_key
    LEFT JOIN LATERAL (SELECT c.id, c."ariCertId" FROM certificates c
                        WHERE c."deviceId" = p_device AND c."identifierSet" = p_identifier_set
                          AND c."supersededById" IS NULL AND c."revokedAt" IS NULL
                        ORDER BY c."notBefore" DESC
                        LIMIT 1) AS replaced ON true);
END $$;

-- Takes the device's advisory lock (the key `lockDeviceSql` uses, so submissions and the
-- renewal scheduler's requests stay serialised per device), reads the state, and inserts
-- p_request if the state is the one the caller decided on: p_decided_on is the `version` of
-- a state this function returned, or NULL for "nothing found" (a device's first submission
-- for its CSR, decided on without reading). Returns the state as read under the lock, its
-- version, and the stored request (NULL when nothing was stored: the state changed, or
-- p_request is NULL, a plain read).
--
-- PL/pgSQL, not one SQL statement: a statement's snapshot is taken when it starts, before it
-- waits for the lock; each statement here takes its own after the lock is held. Called
-- outside a transaction block, the lock is released when the insert has committed.
CREATE FUNCTION fleetcert_submit_request(
  p_device text, p_idempotency_key text, p_csr_sha256 text, p_identifier_set text, p_with_live boolean,
  p_decided_on text, p_request jsonb
) RETURNS TABLE (state jsonb, version text, created certificate_requests) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  nothing_found CONSTANT jsonb := jsonb_build_object(
    'idempotentId', NULL, 'idempotentCsrSha256', NULL, 'openId', NULL,
    'replacesId', NULL, 'replacesAriCertId', NULL, 'live', '[]'::jsonb);
  now_utc timestamp;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(p_device, 0));
  state := fleetcert_submission_state(p_device::uuid, p_idempotency_key, p_csr_sha256, p_identifier_set, p_with_live);
  version := md5(state::text);
  IF p_request IS NOT NULL
     AND (version = p_decided_on OR (p_decided_on IS NULL AND state = nothing_found)) THEN
    now_utc := clock_timestamp() AT TIME ZONE 'UTC';
    INSERT INTO certificate_requests AS r
           (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
            "idempotencyKey", profile, "challengeType", "http01Mode", "deferredUntil", "replacesCertificateId",
            "ariReplaces", "isRenewal", "createdAt", "updatedAt")
    VALUES (gen_random_uuid(), p_device::uuid, (p_request ->> 'status')::"RequestStatus", p_request -> 'identifiers',
            p_identifier_set, p_request ->> 'csrPem', p_csr_sha256, p_request ->> 'publicKeySha256',
            p_idempotency_key, p_request ->> 'profile',
            -- Prisma's name of the ChallengeType (dns_01) to the stored value (dns-01).
            replace(p_request ->> 'challengeType', '_', '-')::"ChallengeType",
            (p_request ->> 'http01Mode')::"Http01Mode",
            (p_request ->> 'deferredUntil')::timestamptz AT TIME ZONE 'UTC',
            (p_request ->> 'replacesCertificateId')::uuid, p_request ->> 'ariReplaces',
            COALESCE((p_request ->> 'isRenewal')::boolean, false), now_utc, now_utc)
    RETURNING r.* INTO created;
  END IF;
  RETURN NEXT;
END $$;
