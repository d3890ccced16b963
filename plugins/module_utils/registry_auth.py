# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Registry auth for one run's threads: challenges, the token cache, scope batching, the read-ahead, ACR's exchange.

Every registry says how it wants to be asked in its 401's WWW-Authenticate: anonymous or credentialed Bearer tokens from
a realm (Docker Hub, GHCR, quay), Basic, or nothing at all (MCR). ACR hosts reached with Entra credentials take the
exchange: Entra access token -> ACR refresh token (per registry, ~3 h) -> access token (per scope set, 5 min).

Tokens are cached per (host, scope, identity), where identity is a hash of the whole credential (username and password;
None for anonymous and Entra): two credentials for one host never share a token, a token alone (a password without a
username) included, and the cache never holds a secret as a key. Callers announce the repositories a run will read (`expect`); a token
request then asks for up to SCOPE_BATCH of their scopes at once (the distribution token spec allows `scope` repeatedly;
Docker Hub, GHCR, quay and ACR honour it), so N images cost about N / SCOPE_BATCH token requests per registry. While a
batch's images use its token, a background thread asks for the next batch (one batch ahead, never more: tokens live
minutes). A registry that refuses a batch for one scope it will not grant gets that scope asked for alone, so that the
error names the right image; so does a scope whose batched token the registry answers with a 401 of the same challenge
(distribution and Docker Hub add error="insufficient_scope" or "invalid_token": only scheme, realm and service count).
Credentials never go to a token realm over plain http://.

Written by hand: no well-kept Python library does the distribution token flow with ACR's exchange and per-scope caching
(see registry_client.py's docstring). The transport is injected (`send`), so this file is unit-tested with a fake one.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.oci import PROXY_HINT, error_text, is_html, json_object

TOKEN_MARGIN = 30  # seconds: renew tokens this long before they expire
ACR_ANONYMOUS_USER = "00000000-0000-0000-0000-000000000000"
SCOPE_BATCH = 20  # scopes per token request: keeps the token's query/form (and the JWT it returns) small
RENEWAL_WINDOW = 10 * SCOPE_BATCH  # announced scopes looked at after an expired one for others to renew with it
# Request headers stay under HEADER_BOUND bytes whatever the repository names: ACR's front end refuses larger ones with
# "400 Request Header Or Cookie Too Large" (Azure/acr#797: at about 6 KB of token). A token names every scope it grants
# (a JWT's access claim, base64: 4/3 of the JSON, ~40 bytes of JSON around each name), so a batch's scopes are bounded by
# their text too: SCOPE_TEXT_BUDGET bytes, counting SCOPE_OVERHEAD per scope. 20 scopes of names up to ~70 characters fit;
# longer names make smaller batches. A registry that still answers a batched token with that 400 gets the scope alone.
HEADER_BOUND = 8192
SCOPE_TEXT_BUDGET = 3000
SCOPE_OVERHEAD = 40
TOKEN_READ_AHEAD_WAIT = 120  # seconds the read-ahead waits for its batch to be used before it stops asking
ACR_REFRESH_LIFETIME = 3 * 3600 - 60  # ACR refresh tokens live ~3 h
ACR_ACCESS_LIFETIME = 300  # ACR access tokens live 5 min (the exchange does not say)
DEFAULT_TOKEN_LIFETIME = 60  # the distribution token spec's default when expires_in is missing

# A cached access token. batched: granted for several scopes at once (a refusal then retries its scope alone).
CachedToken = namedtuple("CachedToken", "value expires batched")
# A cached ACR refresh token (one per registry).
RefreshToken = namedtuple("RefreshToken", "value expires")
# What a registry's 401 asked for: scheme 'bearer' or 'basic' (None: the host answered without auth), params realm and service
# only: the same registry adds scope and error="insufficient_scope"/"invalid_token" per answer, which do not change who to ask.
Challenge = namedtuple("Challenge", "scheme params")
NO_CHALLENGE = Challenge(None, {})

_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
CHALLENGE_IDENTITY = ("realm", "service")


def parse_challenge(header):
    """('bearer', {realm, service, scope}) or ('basic', {}) from a WWW-Authenticate header; (None, {}) when there is none."""
    if not header:
        return None, {}
    scheme, dummy, rest = header.strip().partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(rest))


def identity_of(credentials):
    """What keys the token cache for (username, password): a hash of both (never the secret itself), None when anonymous.
    A token alone (password without username) is its own identity, not the anonymous one."""
    if not credentials or (credentials[0] is None and credentials[1] is None):
        return None
    return hashlib.sha256(("%s\0%s" % (credentials[0] or "", credentials[1] or "")).encode("utf-8")).hexdigest()


def _require_https_realm(host, realm):
    """Refuse a token realm over plain http://: the credentials (and the token that comes back) would cross in clear text."""
    if not realm.lower().startswith("https://"):
        raise AcrOpsError("%s sent a token realm that is not HTTPS (%s): refused, credentials never go over plain HTTP" % (host, realm),
                          code="INSECURE_REALM", hint="the registry (or a proxy in front of it) must serve its token endpoint over https://")


class RegistryAuth:
    """Thread-safe auth state shared by every request of a run.

    send(method, url, **kwargs) -> response: the transport (the registry client's pooled session, which counts requests and
    turns connection failures into errors). entra_token: a callable returning an Entra access token, for ACR hosts.
    clock: time.time, injectable for tests of expiry."""

    def __init__(self, send, redactor, timeout=30, entra_token=None, tenant=None, clock=time.time):
        self._send = send
        self.redactor = redactor
        self.timeout = timeout
        self._entra_token = entra_token
        self._tenant = tenant
        self._clock = clock
        self._acr_hosts = set()
        self._challenges = {}       # host -> Challenge
        self._tokens = {}           # (host, scope, identity) -> CachedToken
        self._refresh_tokens = {}   # ACR host -> RefreshToken
        self._expected = {}         # (host, identity) -> {scope: None}, in announcement order: scopes to batch
        self._announced = {}        # (host, identity) -> [scope, ...], every scope ever announced, in order: renewals batch along it
        self._announced_at = {}     # (host, scope, identity) -> its index in self._announced
        self._single = set()        # token keys refused with a batched token: asked for alone from then on
        self._pending = {}          # token key -> Event set when the read-ahead request covering it has ended
        self._batch_used = {}       # token key -> Event set when a token fetched for its batch is first used
        self._readers = set()       # (host, identity) with a read-ahead thread
        self._refused_read_ahead = set()  # (host, identity) whose read-ahead request failed: not tried again this run
        self._first_contacts = {}   # host -> Event set when the thread learning its challenge is done
        self._locks = {}
        self._lock = threading.Lock()

    # ---- what the registry client asks --------------------------------------------------------------------------------
    def set_entra_token(self, entra_token):
        """A callable returning an Entra access token, used for ACR's token exchange."""
        self._entra_token = entra_token

    def add_acr(self, login_server):
        """Mark a host as an ACR we reach with Entra credentials; its challenge is known without asking."""
        self._acr_hosts.add(login_server)
        self._challenges.setdefault(login_server, Challenge("bearer", {"realm": "https://%s/oauth2/token" % login_server,
                                                                       "service": login_server}))

    def is_acr(self, host):
        return host in self._acr_hosts

    def scope(self, host, repository):
        """The token scope for reading a repository: ACR's tag reads need metadata_read besides pull."""
        if host in self._acr_hosts:
            return "repository:%s:pull,metadata_read" % repository
        return "repository:%s:pull" % repository

    def expect(self, host, repository, credentials=None):
        """Announce that this run will read `repository` on `host` with these credentials: its token scope rides along
        with another repository's token request (see SCOPE_BATCH) instead of costing a request of its own."""
        identity, scope = identity_of(credentials), self.scope(host, repository)
        with self._lock:
            self._expected.setdefault((host, identity), {})[scope] = None
            if (host, scope, identity) not in self._announced_at:
                announced = self._announced.setdefault((host, identity), [])
                self._announced_at[(host, scope, identity)] = len(announced)
                announced.append(scope)

    def knows(self, host):
        """Whether the host's challenge is known (learned from a 401, given for an ACR, or 'none needed')."""
        return host in self._challenges

    def first_contact(self, host):
        """Whether this thread is the one to learn a new host's challenge, and the Event set when that is done.

        The others wait on the event (bounded) instead of each paying a 401; no lock is held while the learner's request
        and its retries run, so a host that never answers cannot hold threads behind a lock. The learner calls
        contacted(host) when done, answered or not."""
        with self._lock:
            done = self._first_contacts.get(host)
            if done is not None:
                return False, done
            done = self._first_contacts[host] = threading.Event()
            return True, done

    def contacted(self, host):
        """The learner's first request to a host ended: wake the waiting threads (they find the challenge, or the failure)."""
        with self._lock:
            done = self._first_contacts.pop(host, None)
        if done is not None:
            done.set()

    def no_challenge(self, host):
        """The host answered without asking for auth (e.g. MCR): send nothing to it from now on."""
        self._challenges.setdefault(host, NO_CHALLENGE)

    def authorization(self, host, scope, credentials):
        """What to send: ('Bearer', token), ('Basic', (username, password)) or None (nothing known, or nothing needed)."""
        scheme, params = self._challenges.get(host, NO_CHALLENGE)
        if scheme is None:
            return None
        if scheme == "basic":
            if not credentials or credentials[1] is None:
                return None
            return "Basic", credentials
        identity = identity_of(credentials)
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
            return "Bearer", cached.value
        # One token request per host and identity at a time: the threads of a batch wait for the one that asks for
        # their scopes too, instead of each asking for its own.
        with self._key_lock(("token", host, identity)):
            cached = self._fresh(key)
            if cached:
                return "Bearer", cached.value
            scopes = self._scopes_for(host, scope, identity)
            try:
                token, lifetime = self._token(host, params, scopes, credentials)
            except AcrOpsError:
                if len(scopes) == 1:
                    raise
                # A registry may refuse a whole batch for one scope it will not grant: the others ask for themselves
                # later, and this scope is asked for alone, so an error names the right image.
                self._announce_again(host, identity, scopes[1:])
                scopes = [scope]
                token, lifetime = self._token(host, params, scopes, credentials)
            self._store(host, scopes, identity, token, lifetime)
            self._read_ahead(host, params, identity, credentials)
            return "Bearer", token

    def challenged(self, host, header, scope, credentials, used):
        """A request sent with `used` (what authorization() gave) was answered 401 with this WWW-Authenticate header.

        Returns the scope to retry with once, or None when another try cannot help: the challenge is one we cannot answer,
        or we already answered this very challenge with these credentials (they are wrong). A Bearer token refused for a
        challenge we knew may have expired early (clocks that disagree, revocation) or lacked a batched scope: it is
        dropped and the retry asks for a new one."""
        scheme, params = parse_challenge(header)
        if scheme not in ("bearer", "basic") or (scheme == "basic" and not credentials):
            return None
        retry_scope = params["scope"] if scheme == "bearer" and params.get("scope") else scope
        learned = Challenge(scheme, dict((k, v) for k, v in params.items() if k in CHALLENGE_IDENTITY))
        if used and self._challenges.get(host) == learned:
            if used[0] == "Bearer":
                self.forget(host, scope, credentials, used[1])
                return retry_scope
            return None
        self._challenges[host] = learned
        return retry_scope

    def forget(self, host, scope, credentials, token):
        """Drop a refused token, and ACR's refresh token too, so that the next call gets new ones; a refused batched token
        is asked for again with its scope alone (the registry left that scope out of the batch)."""
        key = (host, scope, identity_of(credentials))
        with self._key_lock(("token", host, key[2])):
            cached = self._tokens.get(key)
            if cached and cached.value == token:
                self._tokens.pop(key, None)
                if cached.batched:
                    self._single.add(key)
                    return  # a scope the registry left out of a batched token says nothing about ACR's refresh token
        self._refresh_tokens.pop(host, None)

    # ---- cache and batching -------------------------------------------------------------------------------------------
    def _key_lock(self, key):
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    def _fresh(self, key):
        cached = self._tokens.get(key)
        return cached if cached and cached.expires > self._clock() + TOKEN_MARGIN else None

    def _scopes_for(self, host, scope, identity):
        """The scope asked for, plus up to SCOPE_BATCH - 1 announced scopes of the same host and identity without a token."""
        if (host, scope, identity) in self._single:
            return [scope]
        with self._lock:
            self._expected.get((host, identity), {}).pop(scope, None)
            taken = [scope] + self._take_announced(host, identity, SCOPE_BATCH - 1, len(scope) + SCOPE_OVERHEAD)
            if len(taken) < SCOPE_BATCH and (host, scope, identity) in self._tokens:
                taken += self._take_renewals(host, identity, scope, taken)
            return taken

    def _take_renewals(self, host, identity, scope, taken):
        """A token that expired during a long run (a first mirror outlasting the tokens' lifetime): the scopes announced
        after this one whose tokens expired too, up to the batch size. Images run roughly in announcement order, so these
        are the ones about to need a new token; without this each image renewed alone (0.8 token requests per image in a
        2,000-image first mirror). A bounded window after the scope keeps a renewal's cost flat in a 10,000-image run."""
        announced = self._announced.get((host, identity), [])
        start = self._announced_at.get((host, scope, identity))
        if start is None:
            return []
        used = sum(len(each) + SCOPE_OVERHEAD for each in taken)
        renewals = []
        for each in announced[start + 1:start + 1 + RENEWAL_WINDOW]:
            if len(taken) + len(renewals) >= SCOPE_BATCH or used + len(each) + SCOPE_OVERHEAD > SCOPE_TEXT_BUDGET:
                break
            key = (host, each, identity)
            if key in self._tokens and not self._fresh(key) and key not in self._single and each not in taken:
                renewals.append(each)
                used += len(each) + SCOPE_OVERHEAD
        return renewals

    def _take_announced(self, host, identity, limit, used=0):
        """Up to `limit` announced scopes without a token (nor a refusal), removed from the announced ones, within
        SCOPE_TEXT_BUDGET (`used` of it taken already; a first scope is always taken); under self._lock."""
        expected = self._expected.get((host, identity), {})
        taken = []
        for each in expected:
            if len(taken) >= limit:
                break
            if self._fresh((host, each, identity)) or (host, each, identity) in self._single:
                continue
            if (taken or used) and used + len(each) + SCOPE_OVERHEAD > SCOPE_TEXT_BUDGET:
                break
            taken.append(each)
            used += len(each) + SCOPE_OVERHEAD
        for each in taken:
            expected.pop(each, None)
        return taken

    def _announce_again(self, host, identity, scopes):
        with self._lock:
            self._expected.setdefault((host, identity), {}).update((s, None) for s in scopes)

    def _store(self, host, scopes, identity, token, lifetime, used=None):
        expires = self._clock() + lifetime
        for each in scopes:
            self._tokens[(host, each, identity)] = CachedToken(token, expires, len(scopes) > 1)
            if used is not None:
                self._batch_used[(host, each, identity)] = used

    # ---- read-ahead ---------------------------------------------------------------------------------------------------
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
                    self._announce_again(host, identity, batch)
                    with self._lock:
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

    # ---- token requests -----------------------------------------------------------------------------------------------
    def _token(self, host, params, scopes, credentials):
        if host in self._acr_hosts and not credentials:
            return self._acr_access_token(host, params, scopes)
        return self._bearer_token(host, params, scopes, credentials)

    def _bearer_token(self, host, params, scopes, credentials):
        """The distribution token flow: GET the realm with the scopes (and Basic credentials when given)."""
        realm = params.get("realm")
        if not realm:
            raise AcrOpsError("%s sent a Bearer challenge without a realm" % host)
        _require_https_realm(host, realm)
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
            raise AcrOpsError("token request to %s failed with HTTP %s: %s" % (host, response.status_code, self.redactor.scrub(error_text(response))),
                              hint=PROXY_HINT if is_html(response) else None)
        body = json_object(response, host, "a token request (%s)" % realm.split("?", 1)[0], self.redactor)
        token = _token_field(body, host, "token", "access_token")
        self.redactor.add(token)
        return token, _lifetime(body.get("expires_in"))

    def _acr_access_token(self, host, params, scopes):
        """ACR's exchange: Entra access token -> ACR refresh token (per registry) -> access token (for the scopes).

        A cached refresh token that ACR refuses (it expired early) is exchanged again, once. One exchange per
        registry at a time, so concurrent images share one refresh token."""
        if not self._refresh_usable(host):
            with self._key_lock(("refresh", host)):
                # The first thread here exchanges; the others find its refresh token when the lock is theirs.
                if not self._refresh_usable(host):
                    return self._acr_access_token_retrying(host, params, scopes)
        return self._acr_access_token_retrying(host, params, scopes)

    def _refresh_usable(self, host):
        refresh = self._refresh_tokens.get(host)
        return refresh is not None and refresh.expires > self._clock() + TOKEN_MARGIN

    def _acr_access_token_retrying(self, host, params, scopes):
        for attempt in (1, 2):
            cached = self._refresh_usable(host)
            try:
                return self._acr_access_token_with(host, params, scopes, self._refresh_tokens.get(host) if cached else None)
            except AcrOpsError:
                if not cached or attempt == 2:
                    raise
        raise AcrOpsError("no access token for %s" % host)  # not reached

    def _acr_refresh_token(self, host, params):
        """Entra access token -> ACR refresh token for this registry (POST /oauth2/exchange)."""
        if self._entra_token is None:
            raise AcrOpsError("no Azure credentials to read %s" % host)
        form = {"grant_type": "access_token", "service": params.get("service", host), "access_token": self._entra_token()}
        if self._tenant:
            form["tenant"] = self._tenant
        response = self._send("POST", "https://%s/oauth2/exchange" % host, data=form)
        if response.status_code != 200:
            raise AcrOpsError("%s refused the Azure token exchange (HTTP %s): %s" % (host, response.status_code, error_text(response)),
                              hint="the identity needs a data-plane role on the registry "
                                   "(e.g. AcrPull, or Container Registry Data Importer and Data Reader); a registry whose "
                                   "authentication-as-arm policy is disabled takes only tokens for https://containerregistry.azure.net")
        token = _token_field(json_object(response, host, "the Azure token exchange", self.redactor), host, "refresh_token")
        self.redactor.add(token)
        refresh = RefreshToken(token, self._clock() + ACR_REFRESH_LIFETIME)
        self._refresh_tokens[host] = refresh
        return refresh

    def _acr_access_token_with(self, host, params, scopes, refresh):
        if refresh is None:
            refresh = self._acr_refresh_token(host, params)
        form = {"grant_type": "refresh_token", "service": params.get("service", host), "scope": scopes, "refresh_token": refresh.value}
        realm = params.get("realm") or "https://%s/oauth2/token" % host
        _require_https_realm(host, realm)
        response = self._send("POST", realm, data=form)
        if response.status_code != 200:
            self._refresh_tokens.pop(host, None)
            raise AcrOpsError("%s refused an access token for %s (HTTP %s): %s" % (host, " ".join(scopes), response.status_code, error_text(response)),
                              hint="the identity needs AcrPull (reading tags needs metadata_read) on the registry")
        token = _token_field(json_object(response, host, "an access token request", self.redactor), host, "access_token")
        self.redactor.add(token)
        return token, ACR_ACCESS_LIFETIME


def _token_field(body, host, *names):
    """The token a token service answered (the first of `names` that holds a non-empty string), or a clear error: a body
    without one would otherwise be sent as "Bearer None" and come back as a misleading 401."""
    for name in names:
        if isinstance(body.get(name), str) and body[name]:
            return body[name]
    raise AcrOpsError("%s answered the token request with a JSON object that holds no %s (its keys: %s)"
                      % (host, " or ".join(names), ", ".join(sorted(str(k) for k in body)[:10]) or "none"),
                      hint="a proxy or gateway may be answering for the registry's token service: check HTTPS_PROXY/NO_PROXY")


def _lifetime(expires_in):
    """A token's lifetime in seconds: expires_in when it is a positive number, else the token spec's default (60 s)."""
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME
    return seconds if seconds > 0 else DEFAULT_TOKEN_LIFETIME
