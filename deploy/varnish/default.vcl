# Varnish in front of the web service (docker-compose.yml's `proxy`). Readers' pages come from the
# cache; editors, the admin and anything the app marks private go straight to Django.
#
# The contract with the app (kbsite/settings, docs/deploy.md):
# - Anonymous GET and HEAD are cached for as long as the app's Cache-Control says: s-maxage (else
#   max-age) is the TTL, stale-while-revalidate is the grace during which a stale copy is served
#   while a fresh one is fetched. Varnish reads both itself. A response without Cache-Control,
#   or with private, no-cache or no-store, or one that sets a cookie, is never stored.
# - /admin/ (which holds Wagtail's previews), /django-admin/, Wagtail's /_util/ login and page
#   password views, /healthz/, every method but GET and HEAD, and every request carrying a Django
#   `sessionid` cookie (a signed-in editor, or a reader who entered a page's password) go to the
#   app uncached, cookies intact. Every other request loses its cookies, so all readers share one
#   copy of a page.
# - A query parameter that no reader view reads (`?junk=<random>`, `?utm_source=`) goes to the
#   app uncached too: one stored copy of the same page per value would push the others out.
#   The names below are the views' own (pages/reading/query.py); the API's, one per page field,
#   are left to the app, which marks the answer to any other parameter private.
# - PURGE <url> drops that URL for every Host it was cached under (Wagtail's frontend cache sends
#   one per published or deleted page, with the Host of the Wagtail Site, which need not be the
#   Host readers use). BAN with `X-Ban-Path: <regex>` (and optionally `X-Ban-Host: <regex>`)
#   drops every cached URL matching it: `X-Ban-Path: ^/` empties the cache. Both are accepted
#   only from the `purgers` addresses below, on a direct connection.
# - Every response says X-Cache: HIT (served from the cache), MISS (fetched, maybe stored) or
#   PASS (fetched and not cacheable).
#
# The backend is the `web` service on port 8000. deploy/varnish/render.py writes a copy pointed
# at another address (e.g. `--backend 127.0.0.1:8001` for a run outside Docker); it swaps only
# the block between the ">>> backend" and "<<< backend" lines.

vcl 4.1;

import std;

# The app's /healthz/ answers 200 while it can reach its database, 503 otherwise; Varnish sends
# no traffic to a replica that fails 3 of the last 5 checks. Host is one every ALLOWED_HOSTS
# keeps; X-Forwarded-Proto keeps SECURE_SSL_REDIRECT from answering the check with a redirect.
probe healthz {
    .request =
        "GET /healthz/ HTTP/1.1"
        "Host: localhost"
        "X-Forwarded-Proto: https"
        "User-Agent: varnish-probe"
        "Connection: close";
    .interval = 5s;
    .timeout = 3s;
    .window = 5;
    .threshold = 3;
    .initial = 3;
}

# >>> backend: the web service; `docker compose up --scale web=3` runs several replicas behind
# one name, and a plain backend accepts a name with one address only. vmod_dynamic (shipped in
# the official varnish image) looks `web` up every 10 s and spreads requests over every address.
import dynamic;

backend default none;

sub vcl_init {
    new web = dynamic.director(port = "8000", probe = healthz, ttl = 10s);
}

sub kb_backend {
    set req.backend_hint = web.backend("web");
}
# <<< backend

# Who may PURGE and BAN: this machine and the private ranges Docker gives its networks, where
# the web and scheduler containers live. Readers come from elsewhere.
acl purgers {
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
    "fc00::"/7;
}

sub vcl_recv {
    call kb_backend;

    if (req.method == "PURGE" || req.method == "BAN") {
        # Varnish has already appended the peer's address to X-Forwarded-For, so anything more
        # means the request came through another proxy (the TLS terminator, say), whose own
        # private address must not vouch for a reader on the internet.
        if (client.ip !~ purgers || req.http.X-Forwarded-For != "" + client.ip) {
            return (synth(403, "Forbidden"));
        }
        if (req.method == "PURGE") {
            # A ban on the stored URL rather than return (purge), which would only reach the
            # copy stored under this request's Host.
            if (!std.ban("obj.http.x-url == " + req.url)) {
                return (synth(400, std.ban_error()));
            }
            return (synth(200, "Purged"));
        }
        # BAN: the regular expressions are matched as given; write \s for a space.
        if (!req.http.X-Ban-Path) {
            return (synth(400, "X-Ban-Path is required"));
        }
        unset req.http.x-ban;
        if (req.http.X-Ban-Host) {
            set req.http.x-ban = "obj.http.x-host ~ " + req.http.X-Ban-Host + " && ";
        }
        if (!std.ban(req.http.x-ban + "obj.http.x-url ~ " + req.http.X-Ban-Path)) {
            return (synth(400, std.ban_error()));
        }
        return (synth(200, "Banned"));
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # /feedback/ reads the reader's cookies (pages/feedback/views.py) and is never cached.
    if (req.url ~ "^/(healthz|admin|django-admin|_util|feedback)(/|\?|$)") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    if (req.url !~ "^/api/"
        && req.url ~ "[?&](?!(page|minor|q|section|type|tag|development)(=|&|$))") {
        return (pass);
    }
    # Anonymous: no cookie the app would read (csrftoken, analytics) splits the cache.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # The app answers plain HTTP with a redirect when SECURE_SSL_REDIRECT is on: keep the
    # copies for https and http apart. The builtin vcl_hash then adds the URL and Host.
    if (req.http.X-Forwarded-Proto) {
        hash_data(req.http.X-Forwarded-Proto);
    }
}

sub vcl_backend_response {
    # The URL and Host on the object itself, so bans test only obj.* and the ban lurker can
    # apply them in the background; vcl_deliver removes them.
    set beresp.http.x-url = bereq.url;
    set beresp.http.x-host = bereq.http.host;

    # A failed background refresh keeps the stale copy in grace instead of replacing it.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    # The app decides: nothing without a Cache-Control, nothing private.
    if (!beresp.http.Cache-Control || beresp.http.Cache-Control ~ "(?i)(private|no-cache|no-store)") {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The builtin rules follow: a response that sets a cookie or says Vary: * is not stored.
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.x-url;
    unset resp.http.x-host;
}
