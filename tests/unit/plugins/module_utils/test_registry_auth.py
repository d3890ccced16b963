# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""registry_auth.RegistryAuth with a fake transport: token cache per credential, challenge learning, scope batching and its
fallback, expiry, ACR's exchange, and concurrency (one challenge and one exchange per host under 16 threads)."""

from __future__ import annotations

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import registry_auth
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.registry_auth import SCOPE_BATCH, TOKEN_MARGIN, RegistryAuth

HUB = "registry.test"
REALM = "https://auth.test/token"
BEARER = 'Bearer realm="%s",service="registry.test"' % REALM
ACR = "myregistry.azurecr.test"


class FakeResponse:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = dict(headers or {})
        self.text = "" if body is None else str(body)
        self.reason = "reason"
        self.content = b""

    def json(self):
        if not isinstance(self._body, (dict, list)):
            raise ValueError("not JSON")
        return self._body


class FakeTransport:
    """A token service (GET realm), ACR's exchange and token endpoints, and a registry whose manifests need a token.

    refuse(scopes, credentials) -> True to answer 401 for a token request; lifetime: expires_in of tokens."""

    def __init__(self, refuse=None, lifetime=300, delay=0.0, first_contact_challenge=BEARER):
        self.calls = []
        self.refuse = refuse or (lambda scopes, auth: False)
        self.lifetime = lifetime
        self.delay = delay
        self.challenge = first_contact_challenge
        self.issued = {}  # token -> (scopes, auth)
        self.answers = {}  # path -> FakeResponse: what that endpoint answers instead (a proxy's page, a body without a token)
        self._lock = threading.Lock()

    def __call__(self, method, url, **kwargs):
        time.sleep(self.delay)
        kwargs = dict(kwargs, headers=dict(kwargs.get("headers") or {}))  # as sent: the caller reuses its headers dict
        with self._lock:
            self.calls.append((method, url, kwargs))
            number = len(self.calls)
        parts = urlsplit(url)
        if parts.path in self.answers:
            return self.answers[parts.path]
        if url.startswith(REALM):
            scopes = list(kwargs["params"]["scope"])
            if self.refuse(scopes, kwargs.get("auth")):
                return FakeResponse(401, {"errors": [{"code": "UNAUTHORIZED", "message": "no"}]})
            token = "token-%d" % number
            self.issued[token] = (scopes, kwargs.get("auth"))
            return FakeResponse(200, {"token": token, "expires_in": self.lifetime})
        if parts.path == "/oauth2/exchange":
            return FakeResponse(200, {"refresh_token": "refresh-%d" % number})
        if parts.path == "/oauth2/token":
            token = "acr-access-%d" % number
            self.issued[token] = (list(kwargs["data"]["scope"]), kwargs["data"]["refresh_token"])
            return FakeResponse(200, {"access_token": token})
        # A registry: a manifest HEAD needs a token for its repository's scope.
        header = (kwargs.get("headers") or {}).get("Authorization", "")
        repository = parts.path.split("/manifests/")[0][len("/v2/"):]
        granted = self.issued.get(header[len("Bearer "):], ((), None))[0]
        if "repository:%s:pull" % repository in granted:
            return FakeResponse(200, headers={"Docker-Content-Digest": "sha256:" + "a" * 64})
        return FakeResponse(401, headers={"WWW-Authenticate": self.challenge})

    def token_requests(self):
        return [c for c in self.calls if c[1].startswith(REALM) or c[1].endswith("/oauth2/token")]

    def count(self, path):
        return sum(1 for c in self.calls if urlsplit(c[1]).path == path)


# How long a test waits for an event that correct code brings at once: only a broken one ever reaches it (a hang guard).
HANG_GUARD = 60


def scope(repository):
    return "repository:%s:pull" % repository


def learned(auth, header=BEARER, host=HUB):
    assert auth.challenged(host, header, scope("first"), None, None) == scope("first")
    return auth


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


# ---- challenges --------------------------------------------------------------------------------------------------------
def test_challenges_are_learned_and_answered():
    auth = RegistryAuth(FakeTransport(), Redactor())
    assert not auth.knows(HUB) and auth.authorization(HUB, scope("a"), None) is None
    assert auth.challenged(HUB, "Negotiate", scope("a"), None, None) is None                        # not a scheme we answer
    assert auth.challenged(HUB, 'Basic realm="r"', scope("a"), None, None) is None                  # Basic without credentials
    assert auth.challenged(HUB, 'Basic realm="r"', scope("a"), ("u", "p"), None) == scope("a")
    assert auth.knows(HUB) and auth.authorization(HUB, scope("a"), ("u", "p")) == ("Basic", ("u", "p"))
    # The same Basic challenge after we answered it: the credentials are wrong, asking again cannot help.
    assert auth.challenged(HUB, 'Basic realm="r"', scope("a"), ("u", "p"), ("Basic", ("u", "p"))) is None
    # A Bearer challenge's own scope is the one to retry with.
    assert auth.challenged(HUB, BEARER + ',scope="repository:b:pull,push"', scope("a"), None, None) == "repository:b:pull,push"


def test_a_host_that_answers_without_auth_gets_nothing_sent():
    auth = RegistryAuth(FakeTransport(), Redactor())
    auth.no_challenge("mcr.test")
    assert auth.knows("mcr.test") and auth.authorization("mcr.test", scope("a"), ("u", "p")) is None


def test_a_refused_token_for_a_known_challenge_is_dropped_and_asked_for_again():
    transport = FakeTransport()
    auth = learned(RegistryAuth(transport, Redactor()))
    first = auth.authorization(HUB, scope("a"), None)
    assert auth.authorization(HUB, scope("a"), None) == first and len(transport.token_requests()) == 1
    assert auth.challenged(HUB, BEARER, scope("a"), None, first) == scope("a")
    second = auth.authorization(HUB, scope("a"), None)
    assert second != first and len(transport.token_requests()) == 2


# ---- cache -----------------------------------------------------------------------------------------------------------
def test_tokens_are_cached_per_credential():
    transport = FakeTransport()
    auth = learned(RegistryAuth(transport, Redactor()))
    alice = auth.authorization(HUB, scope("a"), ("alice", "pw-alice"))
    assert auth.authorization(HUB, scope("a"), ("alice", "pw-alice")) == alice
    bob = auth.authorization(HUB, scope("a"), ("bob", "pw-bob"))
    anonymous = auth.authorization(HUB, scope("a"), None)
    assert len({alice, bob, anonymous}) == 3
    assert [c[2].get("auth") for c in transport.token_requests()] == [("alice", "pw-alice"), ("bob", "pw-bob"), None]


def test_a_password_alone_is_sent_with_the_anonymous_user():
    transport = FakeTransport()
    auth = learned(RegistryAuth(transport, Redactor()))
    auth.authorization(HUB, scope("a"), (None, "a-refresh-token"))
    assert transport.token_requests()[0][2]["auth"] == (registry_auth.ACR_ANONYMOUS_USER, "a-refresh-token")


def test_tokens_are_renewed_before_they_expire_and_secrets_are_remembered():
    clock, transport, redactor = Clock(), FakeTransport(lifetime=60), Redactor()
    auth = learned(RegistryAuth(transport, redactor, clock=clock))
    first = auth.authorization(HUB, scope("a"), None)[1]
    clock.now += 60 - TOKEN_MARGIN - 1
    assert auth.authorization(HUB, scope("a"), None)[1] == first
    clock.now += 2
    assert auth.authorization(HUB, scope("a"), None)[1] != first
    assert redactor.scrub("x %s y" % first) == "x ******** y"


# ---- batching ----------------------------------------------------------------------------------------------------------
def test_announced_scopes_ride_along_and_the_next_batch_is_read_ahead():
    transport = FakeTransport()
    read_ahead = threading.Event()

    def watched(method, url, **kwargs):
        if url.startswith(REALM) and transport.token_requests():
            read_ahead.set()  # the second token request has arrived: its scopes are pending until it is answered
        return transport(method, url, **kwargs)

    auth = learned(RegistryAuth(watched, Redactor()))
    repositories = ["r%02d" % n for n in range(SCOPE_BATCH + 5)]
    for repository in repositories:
        auth.expect(HUB, repository)
    auth.authorization(HUB, scope("r07"), None)
    first = transport.token_requests()[0][2]["params"]["scope"]
    assert first[0] == scope("r07") and len(first) == SCOPE_BATCH
    auth.authorization(HUB, scope("r00"), None)  # the batch is in use: the read-ahead asks for the rest
    assert read_ahead.wait(HANG_GUARD), "no read-ahead token request"
    for repository in repositories:
        auth.authorization(HUB, scope(repository), None)
    requested = [c[2]["params"]["scope"] for c in transport.token_requests()]
    assert len(requested) == 2 and sorted(sum(requested, [])) == sorted(scope(r) for r in repositories)


def test_a_refused_batch_falls_back_to_single_scopes_and_names_the_refused_one():
    # A token service that refuses any request including the private repository's scope.
    transport = FakeTransport(refuse=lambda scopes, auth: scope("private") in scopes)
    auth = learned(RegistryAuth(transport, Redactor()))
    for repository in ("public-a", "private", "public-b"):
        auth.expect(HUB, repository)
    assert auth.authorization(HUB, scope("public-a"), None)[0] == "Bearer"
    with pytest.raises(AcrOpsError, match="repository:private:pull"):
        auth.authorization(HUB, scope("private"), None)
    assert auth.authorization(HUB, scope("public-b"), None)[0] == "Bearer"
    granted = [scopes for scopes, dummy in transport.issued.values()]
    assert scope("public-a") in granted[0] and all(scope("private") not in g for g in granted)


def test_a_batched_token_refused_for_its_scope_asks_for_that_scope_alone():
    transport = FakeTransport()
    auth = learned(RegistryAuth(transport, Redactor()))
    auth.expect(HUB, "a")
    auth.expect(HUB, "b")
    token = auth.authorization(HUB, scope("a"), None)
    assert len(transport.token_requests()[0][2]["params"]["scope"]) == 2
    auth.challenged(HUB, BEARER, scope("b"), None, auth.authorization(HUB, scope("b"), None))  # b was left out of the batch
    assert auth.authorization(HUB, scope("b"), None) != token
    assert transport.token_requests()[-1][2]["params"]["scope"] == [scope("b")]


def test_a_token_alone_is_its_own_identity_beside_anonymous_images_of_the_host():
    # Issue 20 item 4: a password without a username used to share the anonymous cache, so a batched anonymous token
    # (without pull on the private repository) was used for the private image.
    transport = FakeTransport()
    auth = learned(RegistryAuth(transport, Redactor()))
    token_alone = (None, "ghp_secret-pat")
    auth.expect(HUB, "public")
    auth.expect(HUB, "private", token_alone)
    auth.authorization(HUB, scope("public"), None)
    used = auth.authorization(HUB, scope("private"), token_alone)[1]
    assert transport.issued[used] == ([scope("private")], (registry_auth.ACR_ANONYMOUS_USER, "ghp_secret-pat"))
    assert transport.token_requests()[0][2]["params"]["scope"] == [scope("public")]
    # The cache is keyed by a hash of the whole credential, never by the secret itself.
    assert registry_auth.identity_of(token_alone) not in (None, registry_auth.identity_of(("", "other")))
    assert registry_auth.identity_of(("u", "p1")) != registry_auth.identity_of(("u", "p2"))
    assert not any("ghp_secret-pat" in repr(key) for key in list(auth._tokens) + list(auth._expected))  # pylint: disable=protected-access


@pytest.mark.parametrize("error", ["insufficient_scope", "invalid_token"])
def test_a_batched_token_answered_with_an_error_challenge_asks_for_its_scope_alone(error):
    # Distribution and Docker Hub add error="..." to the challenge: it is the same challenge (scheme, realm, service).
    transport = FakeTransport()
    auth = learned(RegistryAuth(transport, Redactor()))
    auth.expect(HUB, "a")
    auth.expect(HUB, "b")
    token = auth.authorization(HUB, scope("a"), None)
    header = BEARER + ',scope="%s",error="%s"' % (scope("b"), error)
    assert auth.challenged(HUB, header, scope("b"), None, auth.authorization(HUB, scope("b"), None)) == scope("b")
    assert auth.authorization(HUB, scope("b"), None) != token
    assert transport.token_requests()[-1][2]["params"]["scope"] == [scope("b")]


def test_a_token_realm_over_plain_http_is_refused_before_credentials_leave():
    transport = FakeTransport()
    auth = RegistryAuth(transport, Redactor())
    auth.challenged(HUB, 'Bearer realm="http://auth.test/token",service="registry.test"', scope("a"), ("u", "p"), None)
    with pytest.raises(AcrOpsError, match="registry.test.*http://auth.test/token.*plain HTTP") as raised:
        auth.authorization(HUB, scope("a"), ("u", "p"))
    assert raised.value.code == "INSECURE_REALM" and transport.token_requests() == [] and transport.calls == []


# ---- ACR ---------------------------------------------------------------------------------------------------------------
def test_acr_exchange_then_access_tokens_and_refresh_expiry():
    clock, transport, redactor = Clock(), FakeTransport(), Redactor()
    auth = RegistryAuth(transport, redactor, entra_token=lambda: "entra-token", tenant="tenant-1", clock=clock)
    auth.add_acr(ACR)
    assert auth.knows(ACR) and auth.scope(ACR, "app") == "repository:app:pull,metadata_read"
    first = auth.authorization(ACR, auth.scope(ACR, "app"), None)[1]
    exchange = [c for c in transport.calls if c[1].endswith("/oauth2/exchange")]
    assert len(exchange) == 1 and exchange[0][2]["data"]["access_token"] == "entra-token" and exchange[0][2]["data"]["tenant"] == "tenant-1"
    auth.authorization(ACR, auth.scope(ACR, "other"), None)
    assert transport.count("/oauth2/exchange") == 1 and transport.count("/oauth2/token") == 2  # one refresh token serves both
    clock.now += registry_auth.ACR_REFRESH_LIFETIME
    auth.authorization(ACR, auth.scope(ACR, "third"), None)
    assert transport.count("/oauth2/exchange") == 2  # the refresh token expired: exchanged again
    assert redactor.scrub(first) == "********"


def test_acr_without_azure_credentials_says_so():
    auth = RegistryAuth(FakeTransport(), Redactor())
    auth.add_acr(ACR)
    with pytest.raises(AcrOpsError, match="no Azure credentials"):
        auth.authorization(ACR, auth.scope(ACR, "app"), None)


# ---- malformed answers -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, message", [
    (FakeResponse(200, "<html><body>Proxy login required</body></html>", {"Content-Type": "text/html"}),
     "registry.test answered a token request (https://auth.test/token) with something that is not JSON (HTTP 200, Content-Type "
     "text/html): '<html><body>Proxy login required</body></html>'"),
    (FakeResponse(200, ["token"]), "registry.test answered a token request (https://auth.test/token) with something that is not a JSON object"),
    (FakeResponse(200, {"detail": "ok"}), "registry.test answered the token request with a JSON object that holds no token or access_token (its keys: detail)"),
    (FakeResponse(200, {"token": ""}), "holds no token or access_token (its keys: token)"),
])
def test_a_token_service_answer_without_a_token_is_a_clear_error(answer, message):
    transport = FakeTransport()
    transport.answers["/token"] = answer
    auth = learned(RegistryAuth(transport, Redactor()))
    with pytest.raises(AcrOpsError) as caught:
        auth.authorization(HUB, scope("a"), None)
    assert message in str(caught.value)


@pytest.mark.parametrize("answer, message, hint", [
    (FakeResponse(502, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", {"Content-Type": "text/html"}),
     "token request to registry.test failed with HTTP 502: a web page, not a registry's answer: 502 Bad Gateway", "HTTPS_PROXY/NO_PROXY"),
    (FakeResponse(500, {"errors": [{"code": "UNKNOWN", "message": "token service down"}]}),
     "token request to registry.test failed with HTTP 500: UNKNOWN token service down", None),
])
def test_a_token_service_failure_says_what_answered(answer, message, hint):
    transport = FakeTransport()
    transport.answers["/token"] = answer
    auth = learned(RegistryAuth(transport, Redactor()))
    with pytest.raises(AcrOpsError) as caught:
        auth.authorization(HUB, scope("a"), None)
    assert caught.value.message == message
    assert (hint in caught.value.hint) if hint else caught.value.hint is None, caught.value.hint


@pytest.mark.parametrize("path, field", [("/oauth2/exchange", "refresh_token"), ("/oauth2/token", "access_token")])
def test_acr_answers_without_their_token_are_clear_errors(path, field):
    transport = FakeTransport()
    transport.answers[path] = FakeResponse(200, {"something": "else"})
    auth = RegistryAuth(transport, Redactor(), entra_token=lambda: "entra-token")
    auth.add_acr(ACR)
    with pytest.raises(AcrOpsError, match="%s answered the token request with a JSON object that holds no %s" % (ACR, field)):
        auth.authorization(ACR, auth.scope(ACR, "app"), None)


@pytest.mark.parametrize("expires_in", ["soon", None, -5, 0])
def test_a_malformed_lifetime_is_the_spec_default(expires_in):
    clock, transport = Clock(), FakeTransport()
    transport.answers["/token"] = FakeResponse(200, {"token": "token-x", "expires_in": expires_in})
    auth = learned(RegistryAuth(transport, Redactor(), clock=clock))
    auth.authorization(HUB, scope("a"), None)
    clock.now += registry_auth.DEFAULT_TOKEN_LIFETIME - TOKEN_MARGIN - 1
    auth.authorization(HUB, scope("a"), None)
    assert len(transport.token_requests()) == 1
    clock.now += 2
    auth.authorization(HUB, scope("a"), None)
    assert len(transport.token_requests()) == 2


# ---- concurrency -------------------------------------------------------------------------------------------------------
def together(function, arguments):
    """function(argument) for each argument, on one thread each, all started at the same moment; results in order."""
    start = threading.Barrier(len(arguments))

    def one(argument):
        start.wait()
        return function(argument)

    with ThreadPoolExecutor(len(arguments)) as pool:
        return list(pool.map(one, arguments))


def test_sixteen_threads_share_one_exchange_and_one_token_request():
    transport = FakeTransport(delay=0.02)
    auth = RegistryAuth(transport, Redactor(), entra_token=lambda: "entra-token")
    auth.add_acr(ACR)
    repositories = ["app%d" % n for n in range(16)]
    for repository in repositories:
        auth.expect(ACR, repository)
    tokens = together(lambda repository: auth.authorization(ACR, auth.scope(ACR, repository), None), repositories)
    assert transport.count("/oauth2/exchange") == 1
    assert transport.count("/oauth2/token") == 1 and len(set(tokens)) == 1


def test_sixteen_threads_meeting_a_new_host_pay_one_challenge():
    """The registry client's first contact: one thread learns the challenge, the others wait for it."""
    from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient  # pylint: disable=import-outside-toplevel

    transport = FakeTransport(delay=0.02)
    client = RegistryClient(Redactor())
    client.session.request = transport  # the fake transport under the client's real request loop
    repositories = ["app%d" % n for n in range(16)]
    for repository in repositories:
        client.expect(HUB, repository)
    digests = together(lambda repository: client.manifest_digest(HUB, repository, "v1"), repositories)
    assert digests == ["sha256:" + "a" * 64] * 16
    challenges = [c for c in transport.calls if "/manifests/" in c[1] and "Authorization" not in (c[2].get("headers") or {})]
    assert len(challenges) == 1 and len(transport.token_requests()) == 1


def test_a_host_that_never_answers_costs_one_failed_attempt_not_one_per_image():
    """Issue 20 item 6: the first contact held a per-host lock across the whole failing attempt and the failure was not
    remembered, so 8 images of a black-holed host paid 8 timeouts one after the other."""
    # pylint: disable=import-outside-toplevel
    import requests
    from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient, RegistryUnreachable

    sent, woken = [], []
    waiting = threading.Semaphore(0)

    def black_hole(method, url, **kwargs):
        sent.append((url, kwargs["timeout"]))
        for dummy in range(7):  # the attempt is in flight until the 7 other images wait for it (every retry timed out)
            assert waiting.acquire(timeout=HANG_GUARD), "the other images did not wait for the first contact"
        raise requests.exceptions.ConnectTimeout("timed out connecting")

    client = RegistryClient(Redactor(), timeout=3)
    client.session.request = black_hole
    first_contact = client.auth.first_contact

    class Waiter:
        """The first contact's Event as a waiting image sees it: wait() says whether the learner woke it (True) or the
        wait's own bound ran out (False, the waiter would have paid a whole failing request's time)."""

        def __init__(self, done):
            self.done = done

        def wait(self, timeout=None):
            waiting.release()
            woken.append(self.done.wait(timeout))
            return woken[-1]

    def watched_first_contact(host):
        learner, done = first_contact(host)
        return learner, done if learner else Waiter(done)

    client.auth.first_contact = watched_first_contact

    def read(repository):
        with pytest.raises(RegistryUnreachable, match="cannot reach blackhole.test") as raised:
            client.manifest_digest("blackhole.test", repository, "v1")
        return str(raised.value)

    messages = together(read, ["app%d" % n for n in range(8)])
    assert len(sent) == 1 and woken == [True] * 7, (sent, woken)
    assert sent[0][1] == (3, 30)  # connect timeout from timeout_connect, the read timeout apart
    assert all("timeout_connect (3 s)" in m for m in messages)


# ---- request size (issue 16) ----------------------------------------------------------------------------------------------
def acr_like_token(scopes):
    """A token the size ACR's would be for these scopes: a signed JWT whose access claim names every repository and action."""
    access = [{"type": "repository", "name": s.split(":")[1], "actions": s.split(":")[2].split(",")} for s in scopes]
    claims = {"jti": "0" * 36, "sub": "0" * 36, "nbf": 1, "exp": 1, "iat": 1, "iss": "Azure Container Registry", "aud": ACR,
              "version": "2.0", "rid": "0" * 32, "grant_type": "refresh_token", "appid": "0" * 36, "tenant": "0" * 36,
              "permissions": {"actions": ["read"], "notActions": []}, "roles": [], "access": access}
    encoded = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
    return "e" * 120 + "." + encoded.decode() + "." + "s" * 342  # header, claims, RS256 signature


@pytest.mark.parametrize("length, batch", [(20, SCOPE_BATCH), (250, None)])
def test_batched_tokens_over_long_repository_names_keep_the_headers_under_the_bound(length, batch):
    transport = FakeTransport()
    auth = RegistryAuth(transport, Redactor(), entra_token=lambda: "entra-token")
    auth.add_acr(ACR)
    names = [("team-%02d/" % n + "x" * length)[:length] for n in range(45)]
    for name in names:
        auth.expect(ACR, name)
    for name in names:
        auth.authorization(ACR, auth.scope(ACR, name), None)
    batches = [c[2]["data"]["scope"] for c in transport.token_requests()]
    assert sorted(sum(batches, [])) == sorted(auth.scope(ACR, n) for n in names)  # every name served, none twice
    if batch:
        assert len(batches[0]) == batch  # ordinary names: batches as large as before (the no-op run costs the same)
    else:
        assert 1 < len(batches[0]) < SCOPE_BATCH  # long names: smaller batches, not a failure
    for scopes in batches:
        header = "Authorization: Bearer %s\r\n" % acr_like_token(scopes)
        assert len(header) + 1024 < registry_auth.HEADER_BOUND, (len(scopes), len(header))  # 1 KB left for the other headers


def test_tokens_that_expire_during_a_long_run_are_renewed_in_batches():
    """A first mirror that outlasts the tokens: the images' second reads (verification) after expiry renew their scopes
    together, along the announcement order, not one token request per image."""
    clock, transport = Clock(), FakeTransport(lifetime=300)
    auth = learned(RegistryAuth(transport, Redactor(), clock=clock))
    repositories = ["app%02d" % n for n in range(40)]
    for repository in repositories:
        auth.expect(HUB, repository)
    first = [auth.authorization(HUB, scope(r), None)[1] for r in repositories]
    assert len(set(first)) == 2 and len(transport.token_requests()) == 2, "40 scopes in batches of 20"
    clock.now += 300
    renewed = [auth.authorization(HUB, scope(r), None)[1] for r in repositories]
    assert not set(renewed) & set(first)
    assert len(transport.token_requests()) == 4, [c[2]["params"]["scope"] for c in transport.token_requests()[2:]]
    assert list(transport.token_requests()[2][2]["params"]["scope"]) == [scope(r) for r in repositories[:20]]
