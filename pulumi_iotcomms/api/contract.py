"""The wire contract: every route we call or emulate, and every decision where the API docs are silent.

The docs in ``shared/api/*.txt`` are the source of truth. Where they do not say (an HTTP method, an
error body, a response shape), the choice is recorded here, once, so that both the emulator and the
client read the same table and a correction is a one-line change.

``ROUTES`` is data: the emulator serves it and the API layer calls it, with ``documented=False`` where
the method or path is our decision (marked † in the issues). ``DECISIONS`` is prose, for people: the
behaviours the docs leave open, one entry each, as the emulator implements them and the client
assumes them; no code reads it. The tests named in each entry's area hold the behaviour; to correct a
decision, change the entry, the emulator and those tests together.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DECISIONS", "ROUTES", "Route", "route"]


@dataclass(frozen=True)
class Route:
    """One HTTP operation.

    Args:
        name: stable operation name used by the emulator and the API layer.
        method: HTTP method.
        path: path template including the API's base path, e.g. ``/provisioning/device/{domain}``.
        documented: False when the method/path is our decision because the docs are silent.
        note: why, when not documented.
    """

    name: str
    method: str
    path: str
    documented: bool = True
    note: str = ""


_P = "/provisioning"
_H = "/hybridadmin"
_C = "/cache"

#: The four provisioning collections that share one CRUD shape (POST provision, PUT overwrite, PATCH).
SERVICE_KINDS = ("mediaservice", "alarmbridge", "alarmeventmapper", "cloudsipua")


def _service_routes(kind: str) -> list[Route]:
    base = f"{_P}/{kind}/{{domain}}"
    return [
        Route(f"{kind}.list", "GET", base),
        Route(f"{kind}.create", "POST", base),
        Route(f"{kind}.get", "GET", base + "/{id}"),
        Route(f"{kind}.put", "PUT", base + "/{id}"),
        Route(f"{kind}.delete", "DELETE", base + "/{id}"),
        Route(f"{kind}.patch", "PATCH", base + "/{id}"),
    ]


ROUTES: tuple[Route, ...] = (
    # Provisioning: devices
    Route("device.list", "GET", f"{_P}/device/{{domain}}"),
    Route("device.put", "PUT", f"{_P}/device/{{domain}}"),
    Route("device.delete_all", "DELETE", f"{_P}/device/{{domain}}"),
    Route("device.get", "GET", f"{_P}/device/{{domain}}/{{deviceId}}"),
    Route("device.delete", "DELETE", f"{_P}/device/{{domain}}/{{deviceId}}"),
    Route("device.patch", "PATCH", f"{_P}/device/{{domain}}/{{deviceId}}"),
    Route("device.bulk_put", "PUT", f"{_P}/device/{{domain}}/bulk/{{bulkId}}"),
    Route("device.bulk_get", "GET", f"{_P}/device/{{domain}}/bulk/{{bulkId}}"),
    # Provisioning: trunks
    Route("trunk.list", "GET", f"{_P}/trunk/{{domain}}"),
    Route("trunk.put_collection", "PUT", f"{_P}/trunk/{{domain}}", False, "docs list two bodies for /trunk/{domain}"),
    Route("trunk.create", "POST", f"{_P}/trunk/{{domain}}", False, "create with a server-chosen id"),
    Route("trunk.get", "GET", f"{_P}/trunk/{{domain}}/{{trunkId}}"),
    Route("trunk.put", "PUT", f"{_P}/trunk/{{domain}}/{{trunkId}}", False, "add-or-modify by id"),
    Route("trunk.delete", "DELETE", f"{_P}/trunk/{{domain}}/{{trunkId}}"),
    Route("trunk.patch", "PATCH", f"{_P}/trunk/{{domain}}/{{trunkId}}"),
    # Provisioning: services
    *[r for kind in SERVICE_KINDS for r in _service_routes(kind)],
    # Provisioning: singletons
    Route("notificationsettings.get", "GET", f"{_P}/notificationsettings/{{domain}}"),
    Route("notificationsettings.put", "PUT", f"{_P}/notificationsettings/{{domain}}", False, "set = whole object"),
    Route("siprecservice.get", "GET", f"{_P}/siprecservice/{{domain}}"),
    Route("siprecservice.put", "PUT", f"{_P}/siprecservice/{{domain}}", False, "set = whole object"),
    # Provisioning: API keys, statistics, logs, profile
    Route("apikey.list", "GET", f"{_P}/apiKey/{{domain}}"),
    Route("apikey.create", "POST", f"{_P}/apiKey/{{domain}}"),
    Route("apikey.delete", "DELETE", f"{_P}/apiKey/{{domain}}/{{keyId}}"),
    Route("statistics.get", "GET", f"{_P}/statistics/{{domain}}/{{type}}/{{bucketsize}}"),
    Route("logs.sip", "POST", f"{_P}/logs/{{domain}}/sip"),
    Route("profile.get", "GET", f"{_P}/currentuser/profile"),
    Route("profile.put", "PUT", f"{_P}/currentuser/profile"),
    Route("profile.create", "POST", f"{_P}/currentuser/profile"),
    Route("profile.patch", "PATCH", f"{_P}/currentuser/profile"),
    # Hybrid admin
    Route("site.list", "GET", f"{_H}/site/{{domain}}"),
    Route("host.commission", "POST", f"{_H}/site/{{domain}}/{{siteId}}/host/{{hostId}}"),
    Route("host.decommission", "DELETE", f"{_H}/site/{{domain}}/{{siteId}}/host/{{hostId}}"),
    Route("host.drain", "PUT", f"{_H}/site/{{domain}}/{{siteId}}/host/{{hostId}}/drain"),
    # Cache
    Route("ivrfallback.list", "GET", f"{_C}/{{domain}}/ivrfallback"),
    Route("ivrfallback.get", "GET", f"{_C}/{{domain}}/ivrfallback/{{number}}"),
    Route("ivrfallback.put", "PUT", f"{_C}/{{domain}}/ivrfallback/{{number}}", False, "'Set' has no method"),
    Route("ivrfallback.delete", "DELETE", f"{_C}/{{domain}}/ivrfallback/{{number}}"),
    Route("siprecfallback.get", "GET", f"{_C}/{{domain}}/siprecfallback/{{number}}"),
    Route("siprecfallback.delete", "DELETE", f"{_C}/{{domain}}/siprecfallback/{{number}}"),
)

_BY_NAME = {r.name: r for r in ROUTES}


def route(name: str) -> Route:
    """Return the route called ``name``; KeyError names the unknown operation."""
    return _BY_NAME[name]


#: Behaviour the docs leave open, as implemented by the emulator and assumed by the client (prose: no
#: code reads it; see the module docstring).
DECISIONS: dict[str, str] = {
    "error.body": 'Every failure answers {"success": false, "reason": "<field>: <what is wrong>"}; 404 for an '
    "unknown id, 400 for validation, 409 for a conflict, 401/403 for auth.",
    "site.list.data": 'GET /site/{domain} data = {siteId: {"hosts": {hostId: {"state", "networkInterfaces", '
    '"networkPrefixLength", "activeCalls"}}}}; state is "active" after commission, "drained" after drain.',
    "site.lifecycle": "A site exists while it has hosts; commissioning an existing host is 409; drain stops new "
    "calls and activeCalls falls to 0 as the calls end (the emulator ends them at once unless its calls knob sets "
    "a rate), so the client polls for 0 before it decommissions; decommission is 409 while activeCalls > 0 and "
    "the host is not drained, and cuts the lingering calls of a drained host.",
    "device.get": "GET /device/{domain}/{deviceId} returns the device's fields at top level plus success.",
    "device.password": "A credentials device stored without ha1 gets a random SIP password, returned once in "
    "the PUT response and stored only as ha1 = MD5(deviceId:domain:password). A PUT to an existing device "
    "that already has an ha1 keeps it (no new password).",
    "device.heartbeat": 'Devices carry server-computed heartbeatStatus ("offline" until heard from) and '
    "heartbeatExpiration (0).",
    "device.service_data": "serviceData is free-form JSON; only serviceData.alarmBridge has a documented shape (the "
    "samples), so its sample keys are checked (heartbeatInterval a number >= 300000, the Alarmbridge minimum; "
    "alarmProtocol an Alarmbridge protocol; emergencyDestination a string; overrideInAlarmEvent strings and an "
    "integer priority; usePredefinedDestination a boolean) and every other key passes through unchecked.",
    "device.credentials_password": "password is used by userid devices only (the docs: 'not used for the other "
    "authTypes'), and ha1 is the documented way to give a credentials device a chosen SIP password: the client "
    "sends a password given for a credentials device as ha1 = MD5(deviceId:domain:password), never as password.",
    "trunk.password": "userName, realm and password together make ha1 = MD5(userName:realm:password); the "
    "write response echoes password once; password is never stored or returned by GET (write-only).",
    "trunk.keep_ha1": "A PUT without ha1 or password keeps the stored ha1; changing userName or realm needs the "
    "password too (400 password: otherwise), since ha1 is made from all three.",
    "trunk.ha1_and_password": "ha1 together with password is rejected (400): one way to set the secret.",
    "trunk.patch_remove_ha1": "A PATCH that removes /ha1 removes the stored hash (the trunk then has no digest "
    "credentials); only a PUT that names no ha1 keeps it.",
    "trunk.put_collection": "PUT /trunk/{domain} with trunkId upserts that id; without trunkId creates a new id.",
    "write.response": 'Create/overwrite answers {"success": true, "id": <id>} (+ "password" when generated).',
    "service.create_existing": "POST with an id that already exists is 409 (use PUT to overwrite).",
    "service.put_absent": "PUT /{kind}/{domain}/{id} for an unknown id is 404 (POST creates).",
    "service.defaults": "The server fills documented defaults (alarmbridge defaultHeartbeatInterval=300000, "
    "useVPNConnection=false, callbackTimeout=15000, controlCommandsEnabled=true, arcDisconnectClearsCall=true; "
    "alarmeventmapper deviceIdPadLength=0, controllerIdPadLength=0, mapDeviceIdToControllerId=false).",
    "service.callback_id": "Services with a callbackBaseUrl get a server-generated callbackId, kept across writes.",
    "patch.identity": "PATCH may not change the object's id (deviceId, id): 400.",
    "patch.failure": "A failing RFC 6902 test op is 409; a bad path or op is 400; nothing is changed.",
    "singleton.get": "GET /notificationsettings|siprecservice/{domain} returns the settings object as stored "
    "(no success field, as the samples show); {} before anything was set.",
    "apikey.create": 'POST /apiKey/{domain} {"key": PEM} registers an RS256 public key; {"key": ""} creates a '
    'random token returned once as {"success", "sk", "token"}; GET lists {"sk", "type", "createdAt"} only.',
    "auth.jwt": "An RS256 JWT is accepted for a domain when it verifies with a public key registered for that "
    "domain and has not expired (exp required); a token of another domain is 403.",
    "bulk.status": "Bulk jobs go STARTED -> COMPLETED, or FAILED with a reason listing each bad row "
    '("row N: <field>: <problem>"); good rows of a FAILED job are still applied.',
    "bulk.cells": "Cells are strings, except columns under serviceData (JSON values) and the booleans/numbers "
    "of the device schema (authorized.register); an empty cell means the property is absent.",
    "bulk.pace": "The emulator applies bulk rows in file order in the background, 5,000 rows/s by default (PUT "
    '/_emulator/bulk {"rowsPerSecond": N}; 0 or less: as fast as possible; reset restores the default); rows already '
    "applied are readable while the job is still STARTED.",
    "bulk.running": 'A PUT of a bulkId whose job is still STARTED in that domain is 409 "bulkId: job <bulkId> is '
    'still running" and leaves the running job untouched; jobs with other bulkIds run at the same time; a finished '
    "bulkId may be reused, the new job replacing its status.",
    "bulk.progress": "Besides the documented fields, the bulk status carries processedRows and totalRows (integers, "
    "an undocumented emulator extension): totalRows is 0 until the file has been read, processedRows grows as rows "
    "are processed (bad rows included) and equals totalRows once the job stops; clients may log them but must not "
    "depend on them.",
    "bulk.client": "read_bulk_csv stops at the first problem (header first, then row by row) and refuses the "
    "columns bulk_csv never writes (unknown or snake_case names, server-set ones, a bare authorized/serviceData); "
    "a deeper serviceData.foo.bar column nests its JSON value; split_bulk keeps each CSV strictly under 10 MiB and "
    "checks every device before any chunk is sent; wait_bulk polls after 0.2 s, doubling up to 5 s, until COMPLETED "
    "or FAILED, and times out with DeadlineExceededError naming the bulk id (the job keeps running).",
    "cache.expiration": "expiration is one of DAY, WEEK, MONTH, QUARTER, HALF-YEAR (default), YEAR, or a "
    "unix timestamp in seconds; GET adds ttl = expiry as unix seconds.",
    "cache.number": "A cache number is 1-64 characters.",
    "bulk.errors": 'Bulk reasons are "header: ..." for a bad header and "row N: (csv): ..." for unreadable rows; '
    "a cell over 128 KiB fails the job.",
    "auth.startup": "Tokens and keys given with --token/--public-key last for one run; with --state they are not "
    "remembered after a restart (keys created by POST /apiKey are).",
    "cache.missing": "GET/DELETE of an unknown ivrfallback number is 404.",
    "delete_all.response": 'DELETE /device/{domain} answers {"success", "message", "deviceIds"}; without '
    "confirmDeleteAll=true nothing is deleted (dry run).",
    "pagination": "nextToken is opaque; an invalid token is 400; limit must be an integer 1..100.",
    "profile": "The profile belongs to the caller's domain; POST creates (409 if present), PUT replaces, "
    "PATCH merges the given fields.",
    "logs.sip": "POST /logs/{domain}/sip answers the recorded log items oldest first with startTime <= timeStamp "
    "<= endTime; filterPattern is split at spaces (a double-quoted phrase is one term) and every term must appear, "
    "case-sensitively, in some value of the item (header values included); limit caps the count.",
    "statistics.get": "GET /statistics/{domain}/{type}/{bucketsize} answers the buckets recorded for that domain, "
    "type and bucket size (the emulator's admin endpoint records them); averageDuration is sum / calls when absent.",
    # Client-side decisions (issue 13): the program-side read functions (pulumi_iotcomms.functions).
    "siprecfallback.get": 'GET /{domain}/siprecfallback/{number} (cache API) answers {"inCache": false} for a number '
    "not in the cache (not 404); the client reads a 404 the same way, so get_siprec_fallback of a missing number "
    "is a result with in_cache=False, neither None nor an error (the endpoint reports a status, and 'not cached' "
    "is one).",
    "functions.config": "The read functions run in the program's process: they read pulumi.Config('iotcomms') "
    "(secrets included) with the IOTCOMMS_* environment fallbacks, as Settings.load does for the providers, "
    "share one transport per configuration, and never send a write (the SIP-log read is a POST that changes "
    "nothing, and is not retried after a 5xx, as no POST is).",
    "functions.preview": "The read functions read during a preview as during up (a read changes nothing); the "
    "_output form reads once its arguments are known, off the event loop, and while one is unknown its result is "
    "unknown and nothing is sent.",
    "functions.results": "Results are frozen: sequences are tuples, free-form JSON (serviceData, sipHeaders) "
    "read-only mappings; an absent field is None; sites and hosts are sorted by id, IVR fallback numbers sorted, "
    "devices, statistics buckets and log items keep the server's order; a device's password and ha1 are never "
    "in a result.",
    # Client-side decisions (issue 9): how the provider owns objects and checks its configuration.
    "client.ownership": "create never takes over an object that exists (equal or not) unless adopt=True; settings "
    "objects exist when GET answers anything but {}; two resources of one deployment declaring one object fail "
    "check; a delete spares an object that a create of the same deployment adopted.",
    "client.generated_ids": "A generated id is <resource name>-<7 chars of sha256(project/stack, type, name)>: stable "
    "across retries and previews, different between stacks; a recorded id is kept, also across aliased renames.",
    "client.failed_create": "A create that fails after a write that may have landed undoes it (delete, restore the "
    "recorded settings, decommission a host) before it reports the failure.",
    "bulk.reject": 'A test control, PUT /_emulator/bulk {"rejectDeviceIds": {id: reason}}, makes bulk jobs refuse '
    'those rows with "deviceId: <reason>" (a server-side rule a client cannot check); a reset clears it.',
    # Client-side decisions (issue 12): DeviceFleet.
    "client.fleet.state": "A fleet's Pulumi id is its domain; its devices are recorded as a map device id -> fields "
    "(password/ha1 moved by the class into the secret device_credentials, so previews show the rest); a generated "
    "SIP password is kept while the id stays a credentials device, also across an out-of-band delete.",
    "client.fleet.writes": "Adds of 20 or more devices go by bulk job (split under 10 MiB), fewer by PUT; up to 200 "
    "changed devices get one minimal JSON patch each (from the recorded state; a refused or ambiguous patch is "
    "recomputed from a GET, a 404 becomes a PUT), more go whole by bulk; a changed auth_type is a PUT of the whole "
    "device; removed devices are DELETEd; 16 requests in flight at most.",
    "client.fleet.bulk": "Bulk ids are pulumi-<12 hex>-<n>; an upload whose answer is lost is sent again with the "
    "same id (409 = it started); a job may take 600 s + 0.1 s per row; a job whose outcome is not known row by row "
    "(whole file refused, wait timed out, upload failed) is settled by listing the domain.",
    "client.fleet.partial": "A create or update that fails for some devices fails the operation and records the "
    "others: the provider sets the gRPC trailer grpc-status-details-bin to a google.rpc.Status carrying "
    "pulumirpc.ErrorResourceInitFailed (the engine's partial failure), finding the call's servicer context on the "
    "stack of the SDK's dynamic host; where it cannot (no call on the stack, or over 11 MiB of details) the error "
    "says the next up must adopt=True once.",
    "client.fleet.refresh": "Refresh lists the whole domain (100 per page) and keeps only declared ids; a device "
    "gone is dropped from the fleet (the fleet itself stays); a fleet cannot be imported (read needs its devices).",
    "client.fleet.preview": "check of a fleet already in the state sends no request (no credentials check), so a "
    "no-op preview of a fleet alone sends none; a device declared by a fleet and a Device (or two fleets) fails "
    "check, as two Device resources do.",
    # Issue 13: IvrFallback, ApiKey, CurrentUserProfile (the emulator, then the client).
    "cache.expiry": "An IVR fallback whose expiry has passed is gone: GET answers 404 and the listing leaves it out. "
    'The emulator ages entries by its own clock, which a test control shifts (PUT /_emulator/clock {"offsetSeconds": '
    "N}; tokens keep the wall clock; a reset sets it back); a ttl sent in a PUT is ignored.",
    "apikey.list": 'GET /apiKey/{domain} (not in the docs, whose DELETE names its sk) answers {"success", "keys": '
    "[{sk, type, createdAt}]}, type RS256 or token, createdAt in unix milliseconds, in one page.",
    "apikey.register_again": "POST /apiKey/{domain} with a public key the domain already has changes nothing and "
    "answers that key's sk: registering a key is idempotent.",
    "auth.jwt_domain": "On a route without a domain (currentuser/profile) a JWT acts for the domain its domain claim "
    "names, 403 when its key is not registered there; without the claim, for a domain its key is registered for.",
    "client.ivrfallback.required": "IvrFallback requires mode and command: the API takes a body without them, but "
    "such an object says neither when nor what to do.",
    "client.ivrfallback.writes": "There is no PATCH: create, update and adopt PUT the whole object. expiration is "
    "write-only (GET answers ttl instead) and sent on every write, HALF-YEAR when not given, so removing a given "
    "period takes effect and every write restarts a period. Refresh compares a timestamp expiration with ttl and a "
    "period with the ttl of the provider's last write; another value is drift that up corrects.",
    "client.ivrfallback.expiry": "An object whose ttl is at or before the client's clock is gone, even while the "
    "server still answers it (a cache may purge late): refresh drops it and a create writes it again without adopt; "
    "a create whose object is gone right after its write fails and deletes it. A new timestamp expiration must be in "
    "seconds (below 10^11) and in the future; a recorded one that has passed still checks, so the stack previews.",
    "client.apikey.create": "The service chooses the key id, so a create lists the domain's keys first and holds a "
    "per-domain lock of the provider process (one per deployment) while it posts. A POST whose answer is lost (5xx, "
    "dropped connection) is sent again, three tries at most: a public key is registered again idempotently and the "
    "retry answers its id; a generated token whose answer is lost is usable by nobody yet valid, so the tokens "
    "listed now and not before are deleted before the retry. A create that gives up (or meets a deadline) deletes "
    "the keys of its kind that appeared since its listing -- one another client made in the same domain in those "
    "seconds would go too. An answered id that was listed before is a public key the domain already had: refused "
    "unless adopt=True.",
    "client.apikey.state": "An ApiKey's Pulumi id is <domain>/<sk>. The generated token is a secret output kept from "
    "the create (the API never shows it again); refresh keeps it and public_key, which the listing does not show. "
    "Every input replaces, the new key made before the old one is deleted; two resources registering one public "
    "key in one domain fail check; an imported key has no public_key input.",
    "client.profile": "CurrentUserProfile is the settings lifecycle on /currentuser/profile for the resource's "
    "domain: a missing profile (404) reads as {} and the first write POSTs it (PUT answers 404); destroying one "
    "that was missing leaves {}, as there is no DELETE. Its requests carry JWTs claiming the resource's domain; a "
    "token acts for its own domain, which check's credential check verifies.",
    "client.credentials_check": "check verifies the credentials once per process and domain with GET "
    "/provisioning/device/{domain}/pulumi-iotcomms.credentials-check (404 = accepted, 401/403 = rejected), only "
    "after the inputs validated; iotcomms:skipCredentialsValidation=true skips it.",
    # Issue 13: event delivery by the emulated platform (pulumi_iotcomms.emulator.notify).
    "notify.route": "An event goes by HTTP when useHttpEvents is true (alarms to alarmEventsRestEndpoint, SIP events "
    "to sipEventsRestEndpoint), otherwise by SNS Publish (alarms to alarmTopic, SIP events to sipEventsTopic); the "
    "settings are read when the event happens; with no destination for its kind the event is recorded as "
    "undeliverable and sent nowhere (the topic is not used as a fallback of an HTTP setting or the reverse).",
    "notify.http": "A callback is an HTTP POST of the event's JSON body (Content-Type application/json) to the URL as "
    "given; only https:// URLs, and http:// ones to loopback hosts when the emulator runs with --allow-loopback-http; "
    "no redirects followed. 2xx delivers; 401/403 re-sends with the next restAuthentication object (as the docs say "
    "for callbacks), failing when none is left; 5xx and network errors are retried three times (0.2, 0.5, 1 s apart) "
    "within httpTimeout ms in total (default 10,000); another status fails at once.",
    "notify.signing": "Each restAuthentication object adds its requestHeaders and, when it has a secret, "
    "'Authorization: Bearer <JWT>' with claims iss=iotcomms.io, domain, sub and scope (when set), iat and exp "
    "(+300 s), signed RS256 with secret as a PEM private key when type is RS256, else HS256 with secret as the "
    "shared key; another type fails the delivery.",
    "notify.sns": "SNS events are published with boto3 (region from the topic ARN) to --aws-endpoint when given, else "
    "to AWS with boto3's usual credentials; Message is the event's JSON body, no subject or attributes; a failed "
    "publish is retried three times. Deliveries run in event order on one thread, are logged when they fail "
    "(logger pulumi_iotcomms.emulator.notify) and never fail or delay an API request.",
    "notify.alarm_body": "A monitoringAlarm carries type, domain, error, errorDetails {message, value, threshold, "
    "condition}, status, service, severity, siteId and siteBaseUrl at top level (the docs' field list; errorDetails "
    "as in the sample); the emulator's siteBaseUrl is https://<siteId>.<domain>, its condition 'higher'.",
    "notify.host_alarms": "Draining a host while calls remain on it (a test's calls knob) sends serviceFailure/warn/"
    "Set for service sipserver (value = active calls, threshold 0), and the same alarm with status Clear (value 0) "
    "once its last call ends; decommissioning a host whose calls are still active ends them and sends "
    "serviceFailure/error/Set (automatic action taken). A host with no calls raises nothing.",
    "notify.admin": 'POST /_emulator/alarms {"domain", "siteId", "error", ...} injects a monitoringAlarm (status Set, '
    'service sipserver, severity warn by default); POST /_emulator/sipevents {"domain", "event": {...}} a SIP event; '
    "GET /_emulator/deliveries lists every delivery (?wait=S first waits for pending ones); DELETE or a reset "
    "forgets them.",
    # Issue 14: Alvaria AutoFacilitate (api/alvaria.py, emulator/alvaria.py, resources/autofacilitate_trigger.py).
    "alvaria.token": "The token endpoint takes the client-credentials grant as application/x-www-form-urlencoded "
    "(grant_type=client_credentials, scope=autofacilitateapi); the client authenticates with HTTP Basic (RFC 6749 "
    "2.3.1; the emulator also takes client_id/client_secret form fields) and gets {access_token, token_type Bearer, "
    "expires_in (whole seconds), scope}; refusals are RFC 6749 5.2 bodies ({error, error_description}: 401 "
    "invalid_client, 400 unsupported_grant_type/invalid_scope/invalid_request). A token without expires_in is "
    "trusted 300 s. The client renews a token a tenth of its lifetime (at most 60 s) before it ends, and on a 401 "
    "fetches a new one and sends the request once more (a 401 was not applied, so also for an execute); a second "
    "401 fails with UnauthorizedError naming alvaria:clientId/clientSecret/tokenUrl.",
    "alvaria.auth_order": "The API checks x-api-key first, as an API gateway does: missing or unknown -> 403 "
    '{"message": "Forbidden"} (no token is fetched again for a 403); then the bearer token: missing, unknown or '
    "expired -> 401 with no body (the docs: schema None) and a WWW-Authenticate header saying why; then the "
    "service (404); then the body. Any orgId is accepted; tokens are per client, not per organization.",
    "alvaria.errors": 'Failures are the documented ErrorResponse {"code": "<status>" (a string, as the docs\' sample; '
    'their schema says integer), "message", "errors": [{"scope", "reason", "message"}]}; the client names '
    "'message: errors[].message; ...' (errors.error_for_response). An unknown service and an unknown triggerUUID "
    "are 404; a body that is not JSON is 400 'Validation exception'; bad parameters are 422, one error per problem "
    "(triggerParameters values must be strings, callbackUrls http(s) URLs, no other fields). The XML body the docs "
    "also show is not supported.",
    "alvaria.trigger_uuid": "The docs' triggerResult schema says triggerUUID is an integer, their sample a string "
    "('1234'): the client accepts both and keeps a string; the emulator answers a UUID string.",
    "alvaria.result": "The docs document only 204 (finished) for GET .../result/{vsn}/triggerUUID/{uuid}. A trigger "
    "still running answers 202 with {message}; one whose service failed answers 422 ErrorResponse (errors[].message "
    "= why), not 500, so it is not retried as a transient failure. The emulator finishes a trigger resultSeconds "
    "after its execute (default 0.5; /_emulator/alvaria). The client polls with backoff (0.25 s doubling to 5 s) "
    "until finished or result_timeout_seconds (default 300) ran out (DeadlineExceededError).",
    "alvaria.urls": "alvaria:endpoint defaults to the docs' server URL https://<orgId>.via.aspect-cloud.net and "
    "alvaria:tokenUrl to the docs' authorization URL https://myaspect.<region>.id.aspect-cloud.net"
    "/tokenservice/oauth2/access_token; the emulator serves both paths on its one origin.",
    "alvaria.trigger": "AutoFacilitateTrigger follows pulumi-command: create executes (POST) and waits for the "
    "result; any change of service, trigger_parameters, callback_urls or triggers is a replacement (create before "
    "delete), executing again; result_timeout_seconds never causes a diff; read sends nothing and reports no drift "
    "(a result may be purged by the service, which must not make Pulumi execute again); delete sends nothing. An "
    "execute whose answer is lost (TransportError, 5xx: a POST is not retried) or whose result fails fails the "
    "create, so the next up executes again: at least once, never silently skipped. check validates the inputs and "
    "the alvaria:* configuration without a request (no token is fetched in a preview).",
    "provd.paths": "provd's paths are the docs' examples (/provd/configure, /provd/pg_mgr/install) under "
    "provd:endpoint; they are not in ROUTES (an iotcomms operation table). Requests send Accept and JSON bodies in "
    "application/vnd.proformatique.provd+json; the emulator answers 415 to a body in another type (plain "
    'application/json is accepted) and its failures as {"success": false, "reason": ...}.',
    "provd.auth": "With --provd-user the emulator answers 401 with a Digest (qop=auth, MD5) challenge (Basic after "
    'PUT /_emulator/provd {"authScheme": "basic"}) and accepts digest or basic credentials; a correct digest '
    "on a nonce it does not know is 401 stale=true. PasswordAuth sends nothing until challenged, then answers the "
    "scheme asked (digest preferred), re-sending the challenged request once; without provd:username no "
    "credentials are sent. Without --provd-user the routes need no auth.",
    "provd.oip": "A monitor's Location is a path under /provd/pg_mgr/install/<operation>/<n>. Install and upgrade "
    "monitors read install|progress(download|progress;<bytes>/<dsize>)(install|waiting), then "
    "(download|success;...)(install|progress), then success or fail with the failing sub-operation marked fail; "
    "update reads update|progress;<k>/3 then update|success;3/3. Deleting a monitor does not cancel its operation "
    "(the docs); its effect lands when it succeeds. The client polls with backoff (0.2 s doubling to 5 s, bounded "
    "by provd:operationTimeoutSeconds, default 600), logs each new progress line, and DELETEs the monitor in "
    "every case; a failed delete is logged, not raised. A start (POST) whose answer is lost is sent again (at "
    "most 3 times: installing twice does no harm); the monitor of the lost answer is never deleted.",
    "provd.plugin.family": "A plugin's family is its id without the trailing version (the part from the first "
    "'-<digit>' segment: xivo-polycom-4.0.4 -> xivo-polycom). The docs' upgrade takes a package id; the emulator "
    "takes an installable id whose family has an installed member and replaces that member (an installed id is "
    "reinstalled at the installable version).",
    "provd.plugin": "ProvdPlugin's Pulumi id is the plugin_id first installed. create refuses a plugin already "
    "installed unless adopt=True, updates the installable list first (when the server offers update) if the id is "
    "not installable, then installs. diff is pure: another id of the same family is an update when the last "
    "create/refresh saw the upgrade service (output upgrade_offered), else a replacement (create before delete); "
    "update then upgrades, or installs the new and uninstalls the old if upgrades went away. A failed operation "
    "fails with OperationFailedError naming the failing sub-operation; read is the installed list.",
    "provd.config": "ProvdConfigParam needs no adopt: every parameter always exists. create records the value found "
    "(previous_value, secret JSON text, so 0 stays an int) and PUTs the declared value only when it differs; a "
    "create failing after its write puts the value back; delete PUTs the recorded value (nothing recorded, e.g. "
    "imported: left as it is). Numbers come back from the state as floats and are sent as ints when integral. The "
    "emulator validates NAT as 0 or 1 and every value as a string, a number or null.",
    "provd.emulator.state": "The emulated provd state is in memory (not in --state): configuration and the "
    "installable/installed lists start as the docs' samples; an update of the installable list finds the docs' "
    "installable packages plus xivo-polycom-4.0.4, xivo-polycom-4.0.9 and xivo-cisco-spa-7.5.5 (settable as "
    "catalogue under /_emulator/provd); a reset restores all of it.",
    "export.reads": "iotcomms-export sends GET requests only, through the api/ operations: every listing page, both "
    "configuration spaces of the four service kinds, the two settings objects, the caller's profile, the sites, "
    "the IVR fallback numbers and each number's object, the API keys. Settings or a profile that are empty ({}) or "
    "absent are not declared (there is nothing to adopt); an IVR fallback gone between its listing and its read "
    "is left out.",
    "export.names": "A resource is named after its id (site and host joined by '-'; '-provisory' for the provisory "
    "space) when that is made of letters, digits, '.', '_' and '-'; otherwise, or when two objects of a kind would "
    "share a name, its safe form plus '-' and 8 hex digits of sha256 of the identity. A name depends on its own id "
    "(and on a colliding one), never on the order of the objects. Settings objects are notification-settings, "
    "siprec-service and current-user-profile; the fleet is devices (devices.csv).",
    "export.arguments": "Arguments come from the wire models and Specs: the document read through the model (fields "
    "it does not know dropped, as refresh drops them), then computed, write-only, provider-set (argument=False) "
    "and excluded fields left out, and so is a value equal to its documented server_default. Typed fields follow "
    "the model's order, free-form objects are sorted by key; objects by kind (settings, trunks, mappers before "
    "the bridges naming them, which refer to the mapper's output), then space, then id. A bridge naming a mapper "
    "of the export refers to it (mapper_<name>.alarm_event_mapper_id).",
    "export.secrets": "Every value of a SECRET field (nested ones included: restAuthentication[].secret, "
    "targetEndpoint.sipAuthPassword, a device's ha1 or userid password, a trunk's ha1) is read with "
    "config.require_secret('<kind>.<resource name>.<wire path>') (require_secret_object for an object) and never "
    "written to a file. The export prints `pulumi config set --stack S --secret KEY VALUE` lines; the values the "
    "API returned are printed only with --show-secrets (stdout, like `pulumi stack output --show-secrets`), "
    "otherwise '<hidden>'. A value the API does not return and the resource needs (a credentials device without "
    "an ha1, a userid device without a password, trunk credentials without an ha1) is '<unknown>', with a note, "
    "never invented. A trunk's write-only password is never returned: the program declares the trunk's ha1 (the "
    "stored form userName+realm+ha1), which adopts without a write.",
    "export.fleet": "With more devices than --fleet-threshold (default 200), every device a bulk CSV holds exactly "
    "goes into DeviceFleet.from_csv('devices', 'devices.csv', adopt=True, credentials=config.require_secret_object("
    "'deviceFleet.devices.credentials')) -- the ha1s by device id, never in the CSV. Single Device resources remain "
    "for a userid device (its password cannot be a cell), a credentials device without an ha1, one the schema "
    "refuses, and one the CSV would not give back exactly (checked by reading the CSV back: an empty string, an "
    "empty object, a formula-like cell). from_csv sends the credentials apart from the file's devices, which stay "
    "plain in previews; an id the credentials name that the file lacks fails the program, naming the id.",
    "export.apikeys": "API keys are listed in the program as a comment (id and type), not declared: the listing "
    "shows neither a public key nor a token, and an ApiKey resource's create always POSTs (re-registering an "
    "identical public key answers its id, but is a write; a token cannot be adopted at all). A user who holds "
    "an RS256 key's PEM declares ApiKey(public_key=..., adopt=True) by hand.",
    "export.adopt": "Every object is adopt=True, so the first up writes nothing to an unchanged tenant. Two adopt "
    "paths wrote on an equal object and were fixed: IvrFallback sent its write-only expiration (default "
    "HALF-YEAR) on every adoption -- it is now sent only when a period is given (it restarts) or a timestamp "
    "differs from the server's ttl; the export leaves expiration out, keeping the ttl until the next write. "
    "Settings objects compared the whole server document with the declaration, so a profile holding create-only "
    "fields (useCase...) was PUT, losing them -- they are now compared as the model sees them.",
    "export.format": "The program is emitted already in ruff format's shape at its default settings (88 columns, "
    "magic trailing commas, ruff's quote preference), so no formatter runs at export time and the bytes are the "
    "same on every machine; the tests check `ruff format --isolated --check` and `ruff check --isolated` on it. "
    "Files of the same names in --out are replaced; nothing else there is touched.",
}
