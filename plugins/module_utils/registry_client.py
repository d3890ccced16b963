# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small OCI distribution client: digests of sources, tag state of ACR destinations.

Written by hand because no well-kept Python library fits: azure-containerregistry 1.2.0 caches no access
token (a 401 and a token call before every request), mis-decodes some refresh tokens and cannot talk to
non-ACR registries; oras-py writes ~/.docker/config.json and misreads Basic challenges. This client
follows each registry's own challenge (anonymous Bearer, Basic, or ACR's Entra -> refresh -> access token
exchange), caches tokens per (registry, scope, identity), and reuses one pooled HTTPS session, so a
current image costs one manifest HEAD and one tag read once tokens are cached. Callers announce the repositories a
run will read (`expect`); a token request then asks for up to SCOPE_BATCH of their scopes at once (the distribution
token spec allows `scope` repeatedly; Docker Hub, GHCR, quay and ACR honour it), so a batch of N images needs about
N / SCOPE_BATCH token requests per registry instead of N. While a batch's images use its token, the next batch's token
is requested in the background (one batch ahead, never more: tokens live minutes), so the threads do not all stop at
every 20th image to wait for a token round trip.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import namedtuple
from urllib.parse import quote

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.retries import urllib3_retry
from ansible_collections.acrops.registry.plugins.module_utils.source_reads import INDEX_TYPES, PlatformChoice, pick_platform

MANIFEST_ACCEPT = ", ".join((
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
))
USER_AGENT = "acrops.registry/0.1 (+ansible)"
TOKEN_MARGIN = 30  # seconds: renew tokens this long before they expire
ACR_ANONYMOUS_USER = "00000000-0000-0000-0000-000000000000"
SCOPE_BATCH = 20  # scopes per token request: keeps the token's query/form (and the JWT it returns) small
TOKEN_READ_AHEAD_WAIT = 120  # seconds the read-ahead waits for its batch to be used before it stops asking

TagState = namedtuple("TagState", "digest locked created updated")
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistryUnreachable(AcrOpsError):
    """The registry could not be reached from this machine at all (as opposed to refusing us)."""


def parse_challenge(header):
    """('bearer', {realm, service, scope}) or ('basic', {}) from a WWW-Authenticate header."""
    if not header:
        return None, {}
    scheme, dummy, rest = header.strip().partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(rest))


class RegistryClient:
    """Thread-safe client shared by every image of a module run."""

    def __init__(self, redactor, verify=True, pool_size=8, timeout=30, entra_token=None, tenant=None):
        import requests  # pylint: disable=import-outside-toplevel
        from ansible_collections.acrops.registry.plugins.module_utils.tls import SharedContextAdapter  # pylint: disable=import-outside-toplevel

        class Session(requests.Session):
            """A session whose explicit CA bundle (ca_bundle) outranks REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE: plain requests lets
            the environment silently replace Session.verify, and trust_env must stay on for HTTPS_PROXY/NO_PROXY."""

            def __init__(self):
                super().__init__()
                self.by_origin = {}  # the environment does not change during a run: read it (proxies, CA) once per origin

            def merge_environment_settings(self, url, proxies, stream, verify, cert):
                key = ("/".join(url.split("/", 3)[:3]), tuple(sorted((proxies or {}).items())), stream, verify, cert)
                settings = self.by_origin.get(key)
                if settings is None:
                    settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
                    if verify is None and self.verify is not True:
                        settings["verify"] = self.verify
                    self.by_origin[key] = settings
                return dict(settings, proxies=dict(settings["proxies"]))

        self._requests = requests
        self.redactor = redactor
        self.timeout = timeout
        self.session = Session()
        if verify is not True:
            self.session.verify = verify
        adapter = SharedContextAdapter(max_retries=urllib3_retry(), pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self._entra_token = entra_token  # callable -> Entra access token, for ACR hosts
        self._tenant = tenant
        self._acr_hosts = set()
        self._challenges = {}
        self._tokens = {}
        self._refresh_tokens = {}
        self._expected = {}  # (host, identity) -> {scope: None}, in announcement order: scopes to batch
        self._single = set()  # token keys refused with a batched token: asked for alone from then on
        self._pending = {}  # token key -> Event set when the read-ahead request covering it has ended
        self._batch_used = {}  # token key -> Event set when a token fetched for its batch is first used
        self._readers = set()  # (host, identity) with a read-ahead thread
        self._refused_read_ahead = set()  # (host, identity) whose read-ahead request failed: not tried again this run
        self._tag_lists = {}  # (host, repository, identity) -> tags, listed once per run
        self._locks = {}
        self._lock = threading.Lock()
        self.request_count = 0

    # ---- auth -------------------------------------------------------------------------------------
    def set_entra_token(self, entra_token):
        """A callable returning an Entra access token, used for ACR's token exchange."""
        self._entra_token = entra_token

    def add_acr(self, login_server):
        """Mark a host as an ACR we reach with Entra credentials; its challenge is known without asking."""
        self._acr_hosts.add(login_server)
        self._challenges.setdefault(login_server, ("bearer", {"realm": "https://%s/oauth2/token" % login_server, "service": login_server}))

    def _key_lock(self, key):
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    def expect(self, host, repository, credentials=None):
        """Announce that this run will read `repository` on `host` with these credentials: its token scope rides along
        with another repository's token request (see SCOPE_BATCH) instead of costing a request of its own."""
        identity = credentials[0] if credentials else None
        with self._lock:
            self._expected.setdefault((host, identity), {})[self._scope(host, repository)] = None

    def _fresh(self, key):
        cached = self._tokens.get(key)
        return cached if cached and cached[1] > time.time() + TOKEN_MARGIN else None

    def _scopes_for(self, host, scope, identity):
        """The scope asked for, plus up to SCOPE_BATCH - 1 announced scopes of the same host and identity without a token."""
        if (host, scope, identity) in self._single:
            return [scope]
        with self._lock:
            self._expected.get((host, identity), {}).pop(scope, None)
            return [scope] + self._take_announced(host, identity, SCOPE_BATCH - 1)

    def _take_announced(self, host, identity, limit):
        """Up to `limit` announced scopes without a token (nor a refusal), removed from the announced ones; under self._lock."""
        expected = self._expected.get((host, identity), {})
        taken = [s for s in expected if not self._fresh((host, s, identity)) and (host, s, identity) not in self._single][:limit]
        for each in taken:
            expected.pop(each, None)
        return taken

    def _authorization(self, host, scope, credentials):
        scheme, params = self._challenges.get(host, (None, {}))
        if scheme is None:
            return None
        if scheme == "basic":
            if not credentials or credentials[1] is None:
                return None
            return "Basic", credentials
        identity = credentials[0] if credentials else None
        key = (host, scope, identity)
        cached = self._fresh(key)
        pending = None if cached else self._pending.get(key)
        if pending is not None:
            pending.wait(self.timeout)  # the read-ahead is asking for this scope right now
            cached = self._fresh(key)
        if cached:
            used = self._batch_used.pop(key, None)
            if used is not None:
                used.set()
            return "Bearer", cached[0]
        # One token request per host and identity at a time: the threads of a batch wait for the one that asks for
        # their scopes too, instead of each asking for its own.
        with self._key_lock(("token", host, identity)):
            cached = self._fresh(key)
            if cached:
                return "Bearer", cached[0]
            scopes = self._scopes_for(host, scope, identity)
            try:
                token, lifetime = self._token(host, params, scopes, credentials)
            except AcrOpsError:
                if len(scopes) == 1:
                    raise
                # A registry may refuse a whole batch for one scope it will not grant: the others ask for themselves
                # later, and this scope is asked for alone, so an error names the right image.
                with self._lock:
                    self._expected.setdefault((host, identity), {}).update((s, None) for s in scopes[1:])
                scopes = [scope]
                token, lifetime = self._token(host, params, scopes, credentials)
            self._store(host, scopes, identity, token, lifetime)
            self._read_ahead(host, params, identity, credentials)
            return "Bearer", token

    def _store(self, host, scopes, identity, token, lifetime, used=None):
        expires = time.time() + lifetime
        for each in scopes:
            self._tokens[(host, each, identity)] = (token, expires, len(scopes) > 1)
            if used is not None:
                self._batch_used[(host, each, identity)] = used

    def _read_ahead(self, host, params, identity, credentials):
        """Start the background thread that asks for the next batch of announced scopes, once per host and identity."""
        with self._lock:
            if (host, identity) in self._readers or (host, identity) in self._refused_read_ahead or not self._expected.get((host, identity)):
                return
            self._readers.add((host, identity))
        threading.Thread(target=self._read_ahead_loop, args=(host, params, identity, credentials), daemon=True,
                         name="token-read-ahead").start()

    def _read_ahead_loop(self, host, params, identity, credentials):
        used = None  # the batch just fetched: the next one is asked for once this one is in use
        try:
            while used is None or used.wait(TOKEN_READ_AHEAD_WAIT):
                with self._lock:
                    batch = self._take_announced(host, identity, SCOPE_BATCH)
                    if not batch:
                        return
                    done = threading.Event()
                    for each in batch:
                        self._pending[(host, each, identity)] = done
                try:
                    token, lifetime = self._token(host, params, batch, credentials)
                except Exception:  # pylint: disable=broad-exception-caught  # the images then ask for themselves, and name the error
                    with self._lock:
                        self._expected.setdefault((host, identity), {}).update((each, None) for each in batch)
                        # A registry that refused this batch would refuse the next read-ahead too: none again this run.
                        self._refused_read_ahead.add((host, identity))
                    return
                else:
                    used = threading.Event()
                    self._store(host, batch, identity, token, lifetime, used)
                finally:
                    with self._lock:
                        for each in batch:
                            self._pending.pop((host, each, identity), None)
                    done.set()
        finally:
            with self._lock:
                self._readers.discard((host, identity))

    def _token(self, host, params, scopes, credentials):
        if host in self._acr_hosts and not credentials:
            return self._acr_access_token(host, params, scopes)
        return self._bearer_token(host, params, scopes, credentials)

    def _forget(self, host, scope, credentials, token):
        """A token was refused although we answered the challenge: it may have expired early (clocks that disagree, revocation),
        or the registry ignored the batched scopes. Drop it, and ACR's refresh token too, so that the next call gets new
        ones; a refused batched token is asked for again with its scope alone."""
        key = (host, scope, credentials[0] if credentials else None)
        with self._key_lock(("token", host, key[2])):
            cached = self._tokens.get(key)
            if cached and cached[0] == token:
                self._tokens.pop(key, None)
                if cached[2]:
                    self._single.add(key)
                    return  # a scope the registry left out of a batched token says nothing about ACR's refresh token
        self._refresh_tokens.pop(host, None)

    def _bearer_token(self, host, params, scopes, credentials):
        realm = params.get("realm")
        if not realm:
            raise AcrOpsError("%s sent a Bearer challenge without a realm" % host)
        scope = scopes[0]
        query = {"scope": scopes}
        if params.get("service"):
            query["service"] = params["service"]
        auth = tuple(credentials) if credentials and credentials[1] is not None else None
        if auth and auth[0] is None:
            auth = (ACR_ANONYMOUS_USER, auth[1])  # a password alone is a token, e.g. an ACR refresh token
        response = self._send("GET", realm, params=query, auth=auth)
        if response.status_code in (401, 403):
            raise AcrOpsError("%s refused the credentials for %s (HTTP %s)" % (host, scope, response.status_code), code="UNAUTHORIZED",
                              hint="check source_username/source_password" if auth else "this image needs credentials: set source_username/source_password")
        if response.status_code != 200:
            raise AcrOpsError("token request to %s failed with HTTP %s" % (host, response.status_code))
        body = response.json()
        token = body.get("token") or body.get("access_token")
        self.redactor.add(token)
        return token, int(body.get("expires_in") or 60)

    def _acr_access_token(self, host, params, scopes):
        """ACR's exchange: Entra access token -> ACR refresh token (per registry) -> access token (for the scopes).

        A cached refresh token that ACR refuses (it expired early) is exchanged again, once. One exchange per
        registry at a time, so concurrent images share one refresh token."""
        refresh = self._refresh_tokens.get(host)
        if refresh is None or refresh[1] <= time.time() + TOKEN_MARGIN:
            with self._key_lock(("refresh", host)):
                # The first thread here exchanges; the others find its refresh token when the lock is theirs.
                refresh = self._refresh_tokens.get(host)
                if refresh is None or refresh[1] <= time.time() + TOKEN_MARGIN:
                    return self._acr_access_token_retrying(host, params, scopes)
        return self._acr_access_token_retrying(host, params, scopes)

    def _acr_access_token_retrying(self, host, params, scopes):
        for attempt in (1, 2):
            refresh = self._refresh_tokens.get(host)
            cached = refresh is not None and refresh[1] > time.time() + TOKEN_MARGIN
            try:
                return self._acr_access_token_with(host, params, scopes, refresh if cached else None)
            except AcrOpsError:
                if not cached or attempt == 2:
                    raise
        raise AcrOpsError("no access token for %s" % host)  # not reached

    def _acr_access_token_with(self, host, params, scopes, refresh):
        if refresh is None:
            if self._entra_token is None:
                raise AcrOpsError("no Azure credentials to read %s" % host)
            form = {"grant_type": "access_token", "service": params.get("service", host), "access_token": self._entra_token()}
            if self._tenant:
                form["tenant"] = self._tenant
            response = self._send("POST", "https://%s/oauth2/exchange" % host, data=form)
            if response.status_code != 200:
                raise AcrOpsError("%s refused the Azure token exchange (HTTP %s): %s" % (host, response.status_code, _error_text(response)),
                                  hint="the identity needs a data-plane role on the registry "
                                       "(e.g. AcrPull, or Container Registry Data Importer and Data Reader)")
            token = response.json()["refresh_token"]
            self.redactor.add(token)
            refresh = (token, time.time() + 3 * 3600 - 60)  # ACR refresh tokens live ~3 h
            self._refresh_tokens[host] = refresh
        form = {"grant_type": "refresh_token", "service": params.get("service", host), "scope": scopes, "refresh_token": refresh[0]}
        response = self._send("POST", params.get("realm") or "https://%s/oauth2/token" % host, data=form)
        if response.status_code != 200:
            self._refresh_tokens.pop(host, None)
            raise AcrOpsError("%s refused an access token for %s (HTTP %s): %s" % (host, " ".join(scopes), response.status_code, _error_text(response)),
                              hint="the identity needs AcrPull (reading tags needs metadata_read) on the registry")
        token = response.json()["access_token"]
        self.redactor.add(token)
        return token, 300

    # ---- transport ---------------------------------------------------------------------------------
    def _send(self, method, url, **kwargs):
        self.request_count += 1
        try:
            return self.session.request(method, url, timeout=self.timeout, allow_redirects=True, **kwargs)
        except self._requests.exceptions.SSLError as exc:
            raise AcrOpsError("TLS verification failed for %s: %s" % (url.split("/")[2], exc),
                              hint="trust the registry's CA with ca_bundle or REQUESTS_CA_BUNDLE") from None
        except self._requests.exceptions.RequestException as exc:
            raise RegistryUnreachable("cannot reach %s: %s" % (url.split("/")[2], self.redactor.scrub(exc.__class__.__name__ + ": " + str(exc)))) from None

    def request(self, method, host, path, scope, credentials=None, headers=None, **kwargs):
        """One authenticated call: use a cached token, learn the challenge on a 401 and retry once."""
        if host not in self._challenges:
            # First contact with a host: one thread learns its challenge while the others wait, instead of a batch of
            # concurrent images each paying a 401 round trip.
            with self._key_lock(("challenge", host)):
                if host not in self._challenges:
                    response = self._request(method, host, path, scope, credentials, headers, **kwargs)
                    if response.status_code != 401:
                        self._challenges.setdefault(host, (None, {}))  # answered without auth (e.g. MCR)
                    return response
        return self._request(method, host, path, scope, credentials, headers, **kwargs)

    def _request(self, method, host, path, scope, credentials=None, headers=None, **kwargs):
        url = "https://%s%s" % (host, path)
        headers = dict(headers or {})
        for attempt in (1, 2):
            used_scope = scope
            auth = self._authorization(host, scope, credentials)
            call = dict(kwargs)
            if auth and auth[0] == "Bearer":
                headers["Authorization"] = "Bearer %s" % auth[1]
            elif auth:
                call["auth"] = tuple(auth[1])
            response = self._send(method, url, headers=headers, **call)
            if response.status_code != 401 or attempt == 2:
                return response
            scheme, params = parse_challenge(response.headers.get("WWW-Authenticate"))
            if scheme not in ("bearer", "basic") or (scheme == "basic" and not credentials):
                return response
            if scheme == "bearer" and params.get("scope"):
                scope = params["scope"]
            learned = (scheme, dict((k, v) for k, v in params.items() if k != "scope"))
            if auth and self._challenges.get(host) == learned:
                if auth[0] == "Bearer" and attempt == 1:
                    self._forget(host, used_scope, credentials, auth[1])  # the token may have expired early: once more with a new one
                    continue
                return response  # we already answered this very challenge: the credentials are wrong
            self._challenges[host] = learned
        return response

    # ---- operations -------------------------------------------------------------------------------
    def manifest_info(self, host, repository, reference, credentials=None):
        """(digest, media type) of a tag or digest from one HEAD (free of Docker Hub's pull quota), or None when absent.
        The media type is None when the registry does not say."""
        path = "/v2/%s/manifests/%s" % (repository, reference)
        scope = self._scope(host, repository)
        response = self.request("HEAD", host, path, scope, credentials, headers={"Accept": MANIFEST_ACCEPT})
        if response.status_code == 404:
            return None
        if response.status_code == 200 and response.headers.get("Docker-Content-Digest"):
            return response.headers["Docker-Content-Digest"], _media_type(response)
        if response.status_code == 200:
            # Some registries omit the header on HEAD: the digest of the exact bytes is the answer.
            fetched = self.request("GET", host, path, scope, credentials, headers={"Accept": MANIFEST_ACCEPT})
            if fetched.status_code == 200:
                digest = fetched.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(fetched.content).hexdigest()
                return digest, _media_type(response) or _media_type(fetched)
            response = fetched
        raise self._error(response, host, "%s:%s" % (repository, reference), credentials)

    def manifest(self, host, repository, reference, credentials=None):
        """GET a manifest (Docker Hub counts this against its pull limit): (digest, media type, parsed JSON), or None."""
        path = "/v2/%s/manifests/%s" % (repository, reference)
        response = self.request("GET", host, path, self._scope(host, repository), credentials, headers={"Accept": MANIFEST_ACCEPT})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._error(response, host, "%s:%s" % (repository, reference), credentials)
        digest = "sha256:" + hashlib.sha256(response.content).hexdigest()
        try:
            body = response.json()
        except ValueError:
            raise AcrOpsError("%s served a manifest for %s:%s that is not JSON" % (host, repository, reference)) from None
        return response.headers.get("Docker-Content-Digest") or digest, _media_type(response) or body.get("mediaType"), body

    def platform_digest(self, host, repository, reference, platform, credentials=None):
        """The manifest to import for one platform: PlatformChoice(digest, index_digest, platform).

        One HEAD says what the reference is. Only an index (OCI index or Docker manifest list) is fetched with a GET, by
        the digest the HEAD gave, so the child comes from the very index the HEAD saw; Docker Hub counts that GET against
        its pull limit. A plain manifest is returned as it is (index_digest None): its platform is not checked, which
        would cost a manifest and a config read. None when the reference does not exist."""
        info = self.manifest_info(host, repository, reference, credentials)
        if info is None:
            return None
        digest, media_type = info
        if media_type is not None and media_type not in INDEX_TYPES:
            return PlatformChoice(digest, None, None)
        fetched = self.manifest(host, repository, digest, credentials)
        if fetched is None:
            raise AcrOpsError("%s:%s (%s) disappeared between HEAD and GET: the tag moved; run again" % (repository, reference, digest),
                              transient=True)
        body = fetched[2]
        if (fetched[1] or body.get("mediaType")) not in INDEX_TYPES and "manifests" not in body:
            return PlatformChoice(digest, None, None)
        child, chosen = pick_platform(body.get("manifests") or [], platform, "%s/%s:%s" % (host, repository, reference))
        return PlatformChoice(child, digest, chosen)

    def list_tags(self, host, repository, credentials=None, page_size=1000, budget=None):
        """Every tag of a repository through the distribution API (GET /v2/<repo>/tags/list), paged by `n` and the `Link`
        header (`last`), with the same challenge-driven auth as digest reads.

        Cached per client (one module run): a repository listed twice costs its requests once. Every request a page takes is
        counted against `budget` (a RequestBudget): the page, a 401 challenge answered before it, and each retry the session
        made: the session retries 429 and 5xx with jittered backoff and honours Retry-After (retries.urllib3_retry), so a
        rate limit that outlasts those retries fails the listing (transient, TOOMANYREQUESTS) rather than waiting forever.
        Token requests are not counted (they go to the token service, and are cached)."""
        identity = credentials[0] if credentials else None
        key = (host, repository, identity)
        cache = self._tag_lists
        with self._key_lock(("tags",) + key):
            if key in cache:
                return list(cache[key])
            scope = self._scope(host, repository)
            path = "/v2/%s/tags/list?n=%d" % (repository, page_size)
            tags, seen = [], set()
            while path:
                if budget is not None:
                    budget.take(host, repository)
                exchanges = []  # every response of this page: a 401 before the token, the answer; each with its retries
                response = self.request("GET", host, path, scope, credentials, hooks={"response": lambda r, *a, **k: exchanges.append(r)})
                if budget is not None:
                    budget.add(max(0, len(exchanges) - 1) + sum(_retries_of(r) for r in exchanges))
                if response.status_code == 404:
                    raise AcrOpsError("%s has no repository %s (listing its tags answered 404: %s)" % (host, repository, _error_text(response)),
                                      code="NAME_UNKNOWN", hint="check the repository path" + (
                                          "; Docker Hub official images live under library/" if "docker" in host else ""))
                if response.status_code != 200:
                    raise self._error(response, host, "the tags of %s" % repository, credentials)
                try:
                    page = response.json().get("tags") or []
                except (ValueError, AttributeError):
                    raise AcrOpsError("%s answered the tag list of %s with something that is not a tag list" % (host, repository)) from None
                tags.extend(t for t in page if isinstance(t, str) and t not in seen)
                seen.update(t for t in page if isinstance(t, str))
                following = _next_link(response.headers.get("Link"))
                if following is not None and (following == path or not page):
                    break  # a registry that points at the same page again, or pages without tags: stop rather than loop
                path = following
            cache[key] = tuple(tags)
            return tags

    def manifest_digest(self, host, repository, reference, credentials=None):
        """The digest the registry serves for a tag or digest, or None if it does not exist."""
        info = self.manifest_info(host, repository, reference, credentials)
        return info[0] if info else None

    def acr_tag(self, login_server, repository, tag):
        """A tag's state in an ACR (digest and lock), or None when the tag does not exist."""
        path = "/acr/v1/%s/_tags/%s" % (quote(repository, safe=""), quote(tag, safe=""))
        response = self.request("GET", login_server, path, self._scope(login_server, repository))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._error(response, login_server, "%s:%s" % (repository, tag), None)
        attributes = response.json().get("tag") or {}
        changeable = attributes.get("changeableAttributes") or {}
        return TagState(attributes.get("digest"), changeable.get("writeEnabled") is False,
                        attributes.get("createdTime"), attributes.get("lastUpdateTime"))

    def acr_tags(self, login_server, repository, limit=1000):
        """All tags of an ACR repository (paged by Link), as (name, TagState)."""
        path = "/acr/v1/%s/_tags?n=100" % quote(repository, safe="")
        found = []
        while path and len(found) < limit:
            response = self.request("GET", login_server, path, self._scope(login_server, repository))
            if response.status_code == 404:
                return found
            if response.status_code != 200:
                raise self._error(response, login_server, repository, None)
            for item in response.json().get("tags") or []:
                changeable = item.get("changeableAttributes") or {}
                found.append((item.get("name"), TagState(item.get("digest"), changeable.get("writeEnabled") is False,
                                                         item.get("createdTime"), item.get("lastUpdateTime"))))
            path = _next_link(response.headers.get("Link"))
        return found[:limit]

    def _scope(self, host, repository):
        if host in self._acr_hosts:
            return "repository:%s:pull,metadata_read" % repository
        return "repository:%s:pull" % repository

    def _error(self, response, host, what, credentials):
        text = _error_text(response)
        if response.status_code == 401:
            hint = "check source_username/source_password" if credentials else (
                "the image is private or does not exist; set source_username/source_password"
                + (", and write Docker Hub official images with library/ (docker.io/library/NAME)" if "docker" in host else ""))
            return AcrOpsError("%s answered 401 Unauthorized for %s: %s" % (host, what, text), code="UNAUTHORIZED", hint=hint)
        if response.status_code == 429:
            return AcrOpsError("%s rate-limited reading %s (HTTP 429): %s" % (host, what, text), code="TOOMANYREQUESTS",
                               hint="pass registry credentials (source_username/source_password) to raise the limit", transient=True)
        if response.status_code == 403:
            return AcrOpsError("%s refused access to %s (HTTP 403): %s" % (host, what, text), code="DENIED")
        return AcrOpsError("%s answered HTTP %s for %s: %s" % (host, response.status_code, what, text), transient=response.status_code >= 500)


def _error_text(response):
    try:
        errors = response.json().get("errors")
        if errors:
            return "; ".join("%s %s" % (e.get("code", ""), e.get("message", "")) for e in errors)[:300]
    except (ValueError, AttributeError):
        pass
    return (response.text or response.reason or "")[:300]


def _next_link(header):
    """The next page's path from a `Link: </acr/v1/...&last=x>; rel="next"` header."""
    if not header:
        return None
    match = re.search(r"<([^>]+)>\s*;\s*rel=\"?next\"?", header)
    if not match:
        return None
    target = match.group(1)
    if target.startswith(("https://", "http://")):
        target = "/" + target.split("/", 3)[3]
    return target


def _media_type(response):
    value = response.headers.get("Content-Type")
    return value.split(";", 1)[0].strip() if value else None


def _retries_of(response):
    """How many times the session retried this request (urllib3 keeps the history on the raw response)."""
    retries = getattr(getattr(response, "raw", None), "retries", None)
    return len(getattr(retries, "history", ()) or ())
