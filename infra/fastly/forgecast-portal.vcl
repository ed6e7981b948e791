# forgecast's portal on Fastly: the web app and the API on one host (issue 14).
#
# A second VCL service, separate from the media service of forgecast-edge.vcl, on the portal's
# domain (e.g. app.example.com; PORTAL_ORIGIN is https://<that domain>). Add each block below as a
# VCL snippet of the named type (docs/deploy.md, "The web portal"). The service has two backends:
#   F_api_gateway  the API Gateway host (terraform output gateway_hostname), TLS, host overridden to it
#   F_web_bucket   objectstorage.<region>.oraclecloud.com, TLS, host overridden to it
# and an edge dictionary `forgecast_portal` with:
#   web_origin_prefix  the web bucket's read-only pre-authenticated request path,
#                      `/p/<par-token>/n/<namespace>/b/<bucket>/o/` (terraform output web_origin_par_path)
#   upload_origin      the origin presigned uploads go to, `https://<namespace>.compat.objectstorage.<region>.oraclecloud.com`
#   media_origin       the media service's origin (forgecast-edge.vcl; EDGE_BASE_URL's origin), where
#                      the watch page's player fetches HLS
#   connect_origins    other origins the pages connect to, space-separated: the chat's (Firestore:
#                      `https://firestore.googleapis.com https://identitytoolkit.googleapis.com
#                      https://securetoken.googleapis.com`) and the live ingest's WHIP origin
#                      (`https://<live ingest host>`, the studio publishes from the browser)
# The rules match the local web server (infra/local/web/): /v1 to the API untouched, /shows and
# /shows/<id> to the shows function's rendered page (GET /v1/pages/…; the static shows.html if it
# fails), an app address to index.html (the shows app's other addresses to shows.html), a file (under /assets/, or with an extension) to itself or 404, and the same cache
# and security headers. test/unit/infra/fastly/fastly-portal-vcl.test.ts holds this file to that server's code.

#### snippet: recv (priority 10) #############################################################
if (req.restarts > 0 && req.http.X-FC-Show-Page) {
  # The rendered page failed (fetch and error snippets): back to the address asked for, which the
  # rules below answer with the static shows.html, as every other address of the shows app.
  set req.url = req.http.X-FC-Show-Page;
  unset req.http.X-FC-Show-Page;
  set req.http.X-FC-Show-Page-Failed = "1";
}
# The API: uncached, with the session cookie, Origin and the body as the browser sent them (the
# gateway's authorizer checks Origin against PORTAL_ORIGIN).
if (req.url.path ~ "^/v1(/|$)") {
  set req.backend = F_api_gateway;
  return(pass);
}
unset req.http.Cookie;
unset req.http.Authorization;
if (req.method != "GET" && req.method != "HEAD") {
  error 405 "method-not-allowed";
}
if (!req.http.X-FC-Show-Page-Failed && req.url.path ~ "^/shows(?:/?|/[0-9A-HJKMNP-TV-Z]{26})$") {
  # The catalogue and a show's page, rendered by the shows function with their content and meta
  # tags (link previews and crawlers run no script): GET /v1/pages/shows[/<id>], cached by its
  # Cache-Control (a minute, stale-while-revalidate), one copy per show: no query, no cookie.
  set req.http.X-FC-Show-Page = req.url.path;
  set req.backend = F_api_gateway;
  set req.url = "/v1/pages" regsub(req.url.path, "/$", "");
  return(lookup);
}
if (req.url.path ~ "^/assets/" || req.url.path ~ "\.[^/]*$") {
  # A file: its name must be plain (no "..", no encoded separators) to be looked up at all.
  if (req.url.path !~ "^/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$") {
    error 404 "not-found";
  }
  set req.http.X-FC-Web-Object = regsub(req.url.path, "^/", "");
} else if (req.url.path ~ "^/(?:(?:shows|tickets|studio)(?:/|$)|(?:watch|door)/)") {
  # An address of the shows app (viewers, the door, the studio): its own page of the same build.
  set req.http.X-FC-Web-Object = "shows.html";
} else {
  # An address of the portal's single-page app: the app routes it.
  set req.http.X-FC-Web-Object = "index.html";
}
set req.backend = F_web_bucket;
# The query string is the app's; the bucket never sees it, so one cached copy serves every address.
set req.url = table.lookup(forgecast_portal, "web_origin_prefix") req.http.X-FC-Web-Object;

#### snippet: fetch (priority 10) ############################################################
if (req.http.X-FC-Show-Page) {
  if (beresp.status >= 500) {
    # The function or gateway failing: the last good copy if there is one, else the static page.
    if (stale.exists) {
      return(deliver_stale);
    }
    restart;
  }
  unset beresp.http.Set-Cookie;
  unset beresp.http.opc-request-id;
  unset beresp.http.fn-call-id;
  unset beresp.http.fn-fdk-version;
}
if (req.http.X-FC-Web-Object) {
  unset beresp.http.opc-request-id;
  unset beresp.http.opc-client-request-id;
  unset beresp.http.opc-meta-forgecast-build;
  if (beresp.status == 404) {
    # A missing asset (a stale chunk name) stays a 404, remembered only briefly.
    set beresp.ttl = 10s;
    set beresp.http.Cache-Control = "no-store";
  } else if (beresp.status >= 400) {
    # An origin refusal (an expired PAR, throttling) is an operator problem: never cache it.
    set beresp.ttl = 0s;
    return(pass);
  } else if (req.http.X-FC-Web-Object ~ "^assets/") {
    # Hashed names: the content never changes under its name.
    set beresp.ttl = 31536000s;
    set beresp.http.Cache-Control = "public, max-age=31536000, immutable";
  } else {
    # index.html and other unhashed files: browsers revalidate every load; the edge keeps them a
    # minute, and a deploy purges them at once (docs/deploy.md).
    set beresp.ttl = 60s;
    set beresp.http.Cache-Control = "no-cache";
  }
}

#### snippet: deliver (priority 10) ##########################################################
if (req.http.X-FC-Web-Object || req.http.X-FC-Show-Page) {
  set resp.http.Content-Security-Policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' " table.lookup(forgecast_portal, "upload_origin") " " table.lookup(forgecast_portal, "media_origin") " " table.lookup(forgecast_portal, "connect_origins") "; media-src 'self' blob: " table.lookup(forgecast_portal, "media_origin") "; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  set resp.http.X-Content-Type-Options = "nosniff";
  set resp.http.Referrer-Policy = "same-origin";
  set resp.http.X-Frame-Options = "DENY";
  set resp.http.Cross-Origin-Opener-Policy = "same-origin";
  set resp.http.Permissions-Policy = "camera=(self), microphone=(self), geolocation=(), payment=()";
  set resp.http.Strict-Transport-Security = "max-age=31536000";
}

#### snippet: error (priority 10) ############################################################
if (req.http.X-FC-Show-Page && obj.status >= 500) {
  # The gateway unreachable or timing out while rendering a page: the static page instead.
  restart;
}
if (obj.status == 404 || obj.status == 405) {
  set obj.http.Content-Type = "text/plain; charset=utf-8";
  set obj.http.Cache-Control = "no-store";
  set obj.http.X-Content-Type-Options = "nosniff";
  if (obj.status == 405) {
    set obj.http.Allow = "GET, HEAD";
  }
  synthetic obj.response;
  return(deliver);
}
