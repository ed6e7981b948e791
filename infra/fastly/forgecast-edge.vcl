# forgecast on Fastly: playback tokens, origin rewrite to OCI Object Storage, surrogate keys.
#
# Add each block below as a VCL snippet of the named type on the Fastly service that fronts the
# media bucket (docs/deploy.md, "Fastly"). The edge dictionary `forgecast_edge` holds:
#   key_current    the first EDGE_TOKEN_KEYS secret, as text   (keys must be printable: see deploy.md)
#   key_previous   the second one while a key is being rolled, else absent
#   origin_prefix  the media bucket's read-only pre-authenticated request path,
#                  `/p/<par-token>/n/<namespace>/b/<bucket>/o/` (Terraform output media_origin_par_path)
# The token format is shared/cdn/edge-token.ts: `/t/<exp>_<hex HMAC-SHA256(key, scope + exp)>/<object>`
# where scope is the asset folder `videos/<assetId>/` and the object lies inside it. The local edge
# (infra/local/edge/) enforces the same rules; test/unit/infra/fastly/fastly-vcl.test.ts checks this file's path
# pattern against the TypeScript verifier.
#
# A show's playback token also names the ticket that admitted its holder:
# `/t/<exp>_<grantId>_<sig>/…`, signed over `scope + exp + "_" + grantId`. The edge dictionary
# `forgecast_revoked` (write-only for the edge-revocations function, through Fastly's bulk
# dictionary API; items `<grantId> → <keep-until unix seconds>`) lists revoked grants: a token
# naming one is refused with 403 "revoked" although its signature and expiry are good. Items are
# versionless, so a revocation reaches every POP without a new service version.

#### snippet: recv (priority 10) #############################################################
if (req.url.path ~ "^/t/([0-9]{10,11})(?:_([0-9A-HJKMNP-TV-Z]{26}))?_([0-9a-f]{64})/(videos/([0-9A-HJKMNP-TV-Z]{26})/)((?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*)$") {
  set req.http.X-FC-Exp = re.group.1;
  set req.http.X-FC-Grant = re.group.2;
  set req.http.X-FC-Sig = re.group.3;
  set req.http.X-FC-Scope = re.group.4;
  set req.http.X-FC-Surrogate = "video-" re.group.5;
  set req.http.X-FC-Object = re.group.4 re.group.6;
} else {
  error 403 "malformed-token";
}
declare local var.signed STRING;
declare local var.key STRING;
declare local var.matched BOOL;
# A token naming a grant signs it too, after an underscore (no scope contains one), so a grant
# cannot be cut out of a token to escape the revocation list.
if (req.http.X-FC-Grant ~ "^[0-9A-HJKMNP-TV-Z]{26}$") {
  set var.signed = req.http.X-FC-Scope req.http.X-FC-Exp "_" req.http.X-FC-Grant;
} else {
  unset req.http.X-FC-Grant;
  set var.signed = req.http.X-FC-Scope req.http.X-FC-Exp;
}
set var.matched = false;
set var.key = table.lookup(forgecast_edge, "key_current", "");
# An empty key would let anyone sign: never compare against one.
if (std.strlen(var.key) >= 32 && digest.secure_is_equal(req.http.X-FC-Sig, regsub(digest.hmac_sha256(var.key, var.signed), "^0x", ""))) {
  set var.matched = true;
}
set var.key = table.lookup(forgecast_edge, "key_previous", "");
if (std.strlen(var.key) >= 32 && digest.secure_is_equal(req.http.X-FC-Sig, regsub(digest.hmac_sha256(var.key, var.signed), "^0x", ""))) {
  set var.matched = true;
}
# Signature before expiry, as the local edge does: a forged token is 403 whatever its date.
if (!var.matched) {
  error 403 "bad-signature";
}
if (std.atoi(req.http.X-FC-Exp) < std.atoi(now.sec)) {
  error 410 "expired";
}
# Checked before the cache is: a revoked ticket's next segment is refused even when cached.
if (req.http.X-FC-Grant && table.contains(forgecast_revoked, req.http.X-FC-Grant)) {
  error 403 "revoked";
}
# The ticket id has done its job; the origin never sees it.
unset req.http.X-FC-Grant;
if (req.method != "GET" && req.method != "HEAD") {
  error 405 "method-not-allowed";
}
# The token leaves the URL here, so every viewer shares one cached copy of each object.
set req.url = table.lookup(forgecast_edge, "origin_prefix") req.http.X-FC-Object;
unset req.http.Cookie;
unset req.http.Authorization;

#### snippet: fetch (priority 10) ############################################################
set beresp.http.Surrogate-Key = req.http.X-FC-Surrogate;
unset beresp.http.opc-request-id;
unset beresp.http.opc-client-request-id;
if (beresp.status >= 400 && beresp.status != 404) {
  # An origin refusal (an expired PAR, throttling) is an operator problem: never cache it.
  set beresp.ttl = 0s;
  return(pass);
} else if (beresp.status == 404) {
  # A segment that is not there yet must not be remembered for long; a live playlist not yet
  # written (the stream is starting) no longer than its own lifetime.
  if (req.http.X-FC-Object ~ "^videos/[0-9A-HJKMNP-TV-Z]{26}/live/") {
    set beresp.ttl = 1s;
  } else {
    set beresp.ttl = 5s;
  }
} else if (req.http.X-FC-Object ~ "^videos/[0-9A-HJKMNP-TV-Z]{26}/live/.*\.m3u8$") {
  # A live playlist is rewritten by the ingest agent with every 1 s segment: 1 s at the edge and
  # in players (request collapsing still sends one origin read per POP per second). Its segments
  # and init segments fall through to the immutable branch: they never change under their name.
  set beresp.ttl = 1s;
  set beresp.grace = 0s;
  set beresp.http.Cache-Control = "public, max-age=1";
} else if (req.http.X-FC-Object ~ "\.m3u8$") {
  # Playlists change when a video is re-published; vod-package purges the surrogate key then.
  set beresp.ttl = 86400s;
  set beresp.http.Cache-Control = "public, max-age=10";
} else {
  # Segments, init segments and images never change under their name (one folder per attempt).
  set beresp.ttl = 31536000s;
  set beresp.http.Cache-Control = "public, max-age=31536000, immutable";
}

#### snippet: deliver (priority 10) ##########################################################
set resp.http.Access-Control-Allow-Origin = "*";
set resp.http.Access-Control-Expose-Headers = "Content-Length, Content-Range";
if (!req.http.Fastly-Debug) {
  unset resp.http.Surrogate-Key;
}

#### snippet: error (priority 10) ############################################################
if (obj.status == 403 || obj.status == 410 || obj.status == 405) {
  set obj.http.Content-Type = "application/problem+json";
  set obj.http.Cache-Control = "no-store";
  synthetic {"{"type":"about:blank","status":"} obj.status {","title":""} obj.response {""}"};
  return(deliver);
}
