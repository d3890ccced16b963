# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small OCI distribution client: digests of sources, tag state of ACR destinations.

Written by hand because no well-kept Python library fits: azure-containerregistry 1.2.0 caches no access
token (a 401 and a token call before every request), mis-decodes some refresh tokens and cannot talk to
non-ACR registries; oras-py writes ~/.docker/config.json and misreads Basic challenges. This client reuses one
pooled HTTPS session for every registry of a run and leaves auth to registry_auth.RegistryAuth (challenges, token
cache, scope batching, ACR's exchange), so a current image costs one manifest HEAD and one tag read once tokens are
cached. Callers announce the repositories a run will read (`expect`), so that token requests cover many at once.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections import namedtuple
from urllib.parse import quote

from ansible_collections.acrops.registry.plugins.module_utils import acr_roles, oci, reference as references
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show
from ansible_collections.acrops.registry.plugins.module_utils.registry_auth import RegistryAuth, identity_of
from ansible_collections.acrops.registry.plugins.module_utils.retries import DEFAULT_POLICY, RetryAfterTooLong
from ansible_collections.acrops.registry.plugins.module_utils.source_quota import quota_of

USER_AGENT = "acrops.registry/0.1 (+ansible)"
HEADER_TOO_LARGE = re.compile(r"Request Header Or Cookie Too Large", re.IGNORECASE)
# A registry's network rules refusing this machine (firewall, public network access disabled): no role would help.
NETWORK_REFUSAL = re.compile(r"not allowed access|aka\.ms/acr/firewall|public network access", re.IGNORECASE)
READ_TIMEOUT = 30  # seconds a connected registry may take to answer; the connection itself is bounded by timeout_connect

TagState = namedtuple("TagState", "digest locked created updated")


class RegistryUnreachable(AcrOpsError):
    """The registry could not be reached from this machine at all (as opposed to refusing us)."""


def _as_built(request):
    """requests' auth hook that changes nothing: each request carries the Authorization header (or auth) we chose."""
    return request


class RegistryClient:
    """Thread-safe client shared by every image of a module run."""

    def __init__(self, redactor, verify=True, pool_size=8, timeout=30, entra_token=None, tenant=None, read_timeout=READ_TIMEOUT,
                 retry_policy=DEFAULT_POLICY):
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
        # requests' (connect, read): a host that never answers costs the short connect timeout per attempt (with a proxy,
        # urllib3 bounds the tunnel and the TLS handshake by it too), a slow answer may take up to the read timeout.
        self.timeout = (timeout, max(timeout, read_timeout))
        self._unreachable = {}  # host -> RegistryUnreachable: remembered for the run, the host's other requests fail at once
        self.session = Session()
        # A session-wide auth that leaves the request as built: requests otherwise looks every request's host up in ~/.netrc
        # (trust_env) and, on a match, replaces our Bearer header with that file's Basic credentials, sending them to the
        # registry; the lookup also read the file once per request (8 % of a no-op run's CPU).
        self.session.auth = _as_built
        if verify is not True:
            self.session.verify = verify
        self.retry_policy = retry_policy
        adapter = SharedContextAdapter(max_retries=retry_policy.urllib3_retry(), pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.auth = RegistryAuth(self._send, redactor, sum(self.timeout), entra_token=entra_token, tenant=tenant)
        self._acr_modes = {}  # ACR login server -> (registry name, roleAssignmentMode): which roles a refusal's hint names
        self._tag_lists = {}  # (host, repository, identity) -> tags, listed once per run
        self._tag_list_locks = {}
        self._lock = threading.Lock()
        self.request_count = 0
        self.rate_limits = {}  # (host, identity) -> (remaining, window): the latest ratelimit-remaining seen (source_quota.py)
        self.manifest_sizes = {}  # (host, repository, digest) -> Content-Length of its HEAD: whether an index may be too big to import

    # ---- auth (registry_auth.RegistryAuth does the work) ----------------------------------------------------------------
    def set_entra_token(self, entra_token):
        """A callable returning an Entra access token, used for ACR's token exchange."""
        self.auth.set_entra_token(entra_token)

    def add_acr(self, login_server, role_assignment_mode=None, name=None):
        """Mark a host as an ACR we reach with Entra credentials; its role-assignment mode names the roles in hints."""
        self.auth.add_acr(login_server)
        self._acr_modes[login_server] = (name or login_server, role_assignment_mode)

    def acr_mode(self, login_server):
        """(registry name, roleAssignmentMode or None) of an ACR host, for the roles a refusal names."""
        return self._acr_modes.get(login_server, (login_server, None))

    def expect(self, host, repository, credentials=None):
        """Announce that this run will read `repository` on `host` with these credentials (token requests then batch)."""
        self.auth.expect(host, repository, credentials)

    def scope(self, host, repository):
        """The token scope for reading a repository on a host."""
        return self.auth.scope(host, repository)

    def _tag_list_lock(self, key):
        with self._lock:
            return self._tag_list_locks.setdefault(key, threading.Lock())

    # ---- transport ---------------------------------------------------------------------------------
    def _send(self, method, url, **kwargs):
        host = url.split("/")[2]
        known = self._unreachable.get(host)
        if known is not None:
            raise RegistryUnreachable(known.message, hint=known.hint)
        self.request_count += 1
        try:
            return self.session.request(method, url, timeout=self.timeout, allow_redirects=True, **kwargs)
        except RetryAfterTooLong as exc:
            raise exc.naming(host) from None
        except self._requests.exceptions.SSLError as exc:
            raise AcrOpsError("TLS verification failed for %s: %s" % (host, exc),
                              hint="trust the registry's CA with ca_bundle or REQUESTS_CA_BUNDLE") from None
        except self._requests.exceptions.RequestException as exc:
            # Every retry of the shared policy failed without an answer: the host's other requests of this run would pay
            # the same (connect timeout x attempts each), so they fail at once instead.
            error = RegistryUnreachable("cannot reach %s: %s" % (host, self.redactor.scrub(exc.__class__.__name__ + ": " + str(exc))),
                                        hint="check the host name, HTTPS_PROXY/NO_PROXY and firewalls; timeout_connect (%s s) bounds "
                                             "each connection attempt" % self.timeout[0])
            self._unreachable.setdefault(host, error)
            raise error from None

    def request(self, method, host, path, scope, credentials=None, headers=None, **kwargs):
        """One authenticated call: use a cached token, learn the challenge on a 401 and retry once."""
        if not self.auth.knows(host):
            # First contact with a host: one thread learns its challenge while the others wait, instead of a batch of
            # concurrent images each paying a 401 round trip. The wait is bounded and no lock is held: if the learner
            # fails, the host is remembered as unreachable and the others fail at once in _send.
            learner, done = self.auth.first_contact(host)
            if learner:
                try:
                    response = self._request(method, host, path, scope, credentials, headers, **kwargs)
                    if response.status_code != 401:
                        self.auth.no_challenge(host)  # answered without auth (e.g. MCR)
                    return response
                finally:
                    self.auth.contacted(host)
            # Bounded by the longest a request can take (every attempt timed out, every backoff at its ceiling), so a
            # waiter never hangs on a learner gone wrong; a black-holed host wakes them after one request's failure.
            done.wait(self.retry_policy.attempts * sum(self.timeout) + self.retry_policy.total_wait_bound())
        return self._request(method, host, path, scope, credentials, headers, **kwargs)

    def _remember_quota(self, host, credentials, response):
        """Keep the pull quota a response revealed (Docker Hub's ratelimit-remaining), for source_quota.SourceQuota."""
        quota = quota_of(response.headers)
        if quota is not None:
            self.rate_limits[(host, identity_of(credentials))] = quota

    def _request(self, method, host, path, scope, credentials=None, headers=None, **kwargs):
        url = "https://%s%s" % (host, path)
        headers = dict(headers or {})
        attempts, shrunk, attempt = 2, False, 0
        while attempt < attempts:
            attempt += 1
            auth = self.auth.authorization(host, scope, credentials)
            call = dict(kwargs)
            if auth and auth[0] == "Bearer":
                headers["Authorization"] = "Bearer %s" % auth[1]
            elif auth:
                call["auth"] = tuple(auth[1])
            response = self._send(method, url, headers=headers, **call)
            if "ratelimit-remaining" in response.headers:
                self._remember_quota(host, credentials, response)
            if not shrunk and response.status_code == 400 and auth and auth[0] == "Bearer" and (
                    method == "HEAD" or HEADER_TOO_LARGE.search(response.text or "")):
                # The front end refused the size of our headers (a batched token over many long names; a HEAD's answer has
                # no body to say so): the scope alone, once, on top of the challenge's retry.
                self.auth.forget(host, scope, credentials, auth[1])
                shrunk, attempts = True, attempts + 1
                continue
            if response.status_code != 401 or attempt == attempts:
                return response
            scope = self.auth.challenged(host, response.headers.get("WWW-Authenticate"), scope, credentials, auth)
            if scope is None:
                return response
        return response

    # ---- operations -------------------------------------------------------------------------------
    def manifest_info(self, host, repository, reference, credentials=None):
        """(digest, media type) of a tag or digest from one HEAD (free of Docker Hub's pull quota), or None when absent.
        The media type is None when the registry does not say."""
        path = "/v2/%s/manifests/%s" % (repository, reference)
        scope = self.scope(host, repository)
        response = self.request("HEAD", host, path, scope, credentials, headers={"Accept": oci.MANIFEST_ACCEPT})
        if response.status_code == 404:
            return None
        if response.status_code == 200 and response.headers.get("Docker-Content-Digest"):
            digest = self._digest_header(response, host, repository, reference)
            if (response.headers.get("Content-Length") or "").isdigit():
                self.manifest_sizes[(host, repository, digest)] = int(response.headers["Content-Length"])
            return digest, oci.media_type(response)
        if response.status_code == 200:
            # Some registries omit the header on HEAD: the digest of the exact bytes is the answer.
            fetched = self.request("GET", host, path, scope, credentials, headers={"Accept": oci.MANIFEST_ACCEPT})
            if fetched.status_code == 200:
                digest = "sha256:" + hashlib.sha256(fetched.content).hexdigest()
                if ":" in reference and digest != reference:
                    raise AcrOpsError("%s served %s@%s with content whose digest is %s: it does not match the digest asked for"
                                      % (host, repository, reference, digest), code="DIGEST_INVALID")
                return digest, oci.media_type(response) or oci.media_type(fetched)
            response = fetched
        raise self._error(response, host, "%s:%s" % (repository, reference), credentials)

    def _digest_header(self, response, host, repository, reference):
        """The Docker-Content-Digest of an answer, refused when it is not a digest (it goes into the import's body)."""
        digest = response.headers["Docker-Content-Digest"]
        if not references.is_digest(digest):
            raise AcrOpsError("%s answered %s:%s with a Docker-Content-Digest that is not a digest: %s"
                              % (host, repository, reference, show(self.redactor.scrub(digest))), code="DIGEST_INVALID")
        return digest

    def manifest(self, host, repository, reference, credentials=None):
        """GET a manifest (Docker Hub counts this against its pull limit): (digest, media type, parsed JSON), or None."""
        path = "/v2/%s/manifests/%s" % (repository, reference)
        response = self.request("GET", host, path, self.scope(host, repository), credentials, headers={"Accept": oci.MANIFEST_ACCEPT})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._error(response, host, "%s:%s" % (repository, reference), credentials)
        body = self._json_object(response, host, "the manifest %s%s%s" % (repository, "@" if ":" in reference else ":", reference))
        digest = "sha256:" + hashlib.sha256(response.content).hexdigest()
        if ":" in reference:
            # Fetched by digest: the bytes must be those of that digest (a proxy or a broken mirror may serve others).
            algorithm = reference.split(":", 1)[0]
            served = algorithm + ":" + hashlib.new(algorithm, response.content).hexdigest() if algorithm in ("sha256", "sha512") else None
            if served != reference:
                raise AcrOpsError("%s served %s@%s with content whose digest is %s: it does not match the digest asked for"
                                  % (host, repository, reference, served or "unknown (algorithm %s)" % algorithm), code="DIGEST_INVALID")
            return reference, oci.media_type(response) or body.get("mediaType"), body
        return response.headers.get("Docker-Content-Digest") or digest, oci.media_type(response) or body.get("mediaType"), body

    def _json_object(self, response, host, what):
        return oci.json_object(response, host, what, self.redactor)

    def platform_digest(self, host, repository, reference, platform, credentials=None):
        """The manifest to import for one platform: oci.PlatformChoice(digest, index_digest, platform).

        One HEAD says what the reference is. Only an index (OCI index or Docker manifest list) is fetched with a GET, by
        the digest the HEAD gave, so the child comes from the very index the HEAD saw; Docker Hub counts that GET against
        its pull limit. A plain manifest is returned as it is (index_digest None): its platform is not checked, which
        would cost a manifest and a config read. None when the reference does not exist."""
        info = self.manifest_info(host, repository, reference, credentials)
        if info is None:
            return None
        digest, media_type = info
        if media_type is not None and media_type not in oci.INDEX_TYPES:
            return oci.PlatformChoice(digest, None, None)
        fetched = self.manifest(host, repository, digest, credentials)
        if fetched is None:
            raise AcrOpsError("%s:%s (%s) disappeared between HEAD and GET: the tag moved; run again" % (repository, reference, digest),
                              transient=True)
        body = fetched[2]
        if (fetched[1] or body.get("mediaType")) not in oci.INDEX_TYPES and "manifests" not in body:
            return oci.PlatformChoice(digest, None, None)
        child, chosen = oci.pick_platform(body.get("manifests") or [], platform, "%s/%s:%s" % (host, repository, reference))
        return oci.PlatformChoice(child, digest, chosen)

    def blob_json(self, host, repository, digest, credentials=None):
        """A small JSON blob (an image config) by digest, checked against it."""
        response = self.request("GET", host, "/v2/%s/blobs/%s" % (repository, digest), self.scope(host, repository), credentials)
        if response.status_code != 200:
            raise self._error(response, host, "%s@%s" % (repository, digest), credentials)
        if "sha256:" + hashlib.sha256(response.content).hexdigest() != digest:
            raise AcrOpsError("%s served the blob %s@%s with content of another digest" % (host, repository, digest), code="DIGEST_INVALID")
        return self._json_object(response, host, "the blob %s@%s" % (repository, digest))

    def put_manifest(self, login_server, repository, reference, media_type, body):
        """PUT a manifest (a few KB, no layers) under a tag or digest on an ACR's data plane, with a push token; its digest."""
        response = self.request("PUT", login_server, "/v2/%s/manifests/%s" % (repository, reference), "repository:%s:pull,push" % repository,
                                headers={"Content-Type": media_type}, data=body)
        if response.status_code not in (200, 201):
            error = self._error(response, login_server, "pushing %s:%s" % (repository, reference), None)
            if response.status_code in (401, 403):
                error.hint = ("pushing the filtered index needs push rights on the target repository (AcrPush, or Container Registry "
                              "Repository Writer with ABAC), beyond importing")
            raise error
        return response.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()

    def list_tags(self, host, repository, credentials=None, page_size=1000, budget=None):
        """Every tag of a repository through the distribution API (GET /v2/<repo>/tags/list), paged by `n` and the `Link`
        header (`last`), with the same challenge-driven auth as digest reads.

        Cached per client (one module run): a repository listed twice costs its requests once. Every request a page takes is
        counted against `budget` (a RequestBudget): the page, a 401 challenge answered before it, and each retry the session
        made: the session retries 429 and 5xx with jittered backoff and honours Retry-After up to the policy's max_wait
        (RetryPolicy.urllib3_retry), so a rate limit that outlasts those retries, or asks for a longer wait, fails the listing
        (TOOMANYREQUESTS) rather than waiting for hours.
        Token requests are not counted (they go to the token service, and are cached)."""
        key = (host, repository, identity_of(credentials))
        cache = self._tag_lists
        with self._tag_list_lock(key):
            if key in cache:
                return list(cache[key])
            scope = self.scope(host, repository)
            path = "/v2/%s/tags/list?n=%d" % (repository, page_size)
            tags, seen, visited = [], set(), {path}
            while path:
                if budget is not None:
                    budget.take(host, repository)
                exchanges = []  # every response of this page: a 401 before the token, the answer; each with its retries
                response = self.request("GET", host, path, scope, credentials, hooks={"response": lambda r, *a, **k: exchanges.append(r)})
                if budget is not None:
                    budget.add(max(0, len(exchanges) - 1) + sum(_retries_of(r) for r in exchanges))
                if response.status_code == 404:
                    raise AcrOpsError("%s has no repository %s (listing its tags answered 404: %s)" % (host, repository, oci.error_text(response)),
                                      code="NAME_UNKNOWN", hint="check the repository path" + (
                                          "; Docker Hub official images live under library/" if "docker" in host else ""))
                if response.status_code != 200:
                    raise self._error(response, host, "the tags of %s" % repository, credentials)
                page = self._json_object(response, host, "the tag list of %s" % repository).get("tags") or []
                if not isinstance(page, list):
                    raise AcrOpsError("%s answered the tag list of %s with something that is not a tag list: %s"
                                      % (host, repository, show(self.redactor.scrub(response.text[:200]))))
                tags.extend(t for t in page if isinstance(t, str) and t not in seen)
                seen.update(t for t in page if isinstance(t, str))
                # A page without tags, or a link back to a page already read, ends the listing rather than looping.
                path = oci.next_page(response.headers.get("Link"), visited) if page else None
            cache[key] = tuple(tags)
            return tags

    def manifest_digest(self, host, repository, reference, credentials=None):
        """The digest the registry serves for a tag or digest, or None if it does not exist."""
        info = self.manifest_info(host, repository, reference, credentials)
        return info[0] if info else None

    def acr_tag(self, login_server, repository, tag):
        """A tag's state in an ACR (digest and lock), or None when the tag does not exist."""
        path = "/acr/v1/%s/_tags/%s" % (quote(repository, safe=""), quote(tag, safe=""))
        response = self.request("GET", login_server, path, self.scope(login_server, repository))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._error(response, login_server, "%s:%s" % (repository, tag), None)
        attributes = self._json_object(response, login_server, "the tag %s:%s" % (repository, tag)).get("tag") or {}
        changeable = attributes.get("changeableAttributes") or {} if isinstance(attributes, dict) else None
        if not isinstance(changeable, dict):
            raise AcrOpsError("%s answered the tag %s:%s with something that is not a tag: %s"
                              % (login_server, repository, tag, show(self.redactor.scrub(response.text[:200]))))
        return TagState(attributes.get("digest"), changeable.get("writeEnabled") is False,
                        attributes.get("createdTime"), attributes.get("lastUpdateTime"))

    def acr_tags(self, login_server, repository, limit=1000):
        """All tags of an ACR repository (paged by Link), as (name, TagState)."""
        items = self.acr_listing(login_server, "/acr/v1/%s/_tags?n=100" % quote(repository, safe=""), repository, "tags",
                                 "the tag list of %s" % repository, lambda response: self._error(response, login_server, repository, None))
        return [(item.get("name"), TagState(item.get("digest"), (item.get("changeableAttributes") or {}).get("writeEnabled") is False,
                                            item.get("createdTime"), item.get("lastUpdateTime"))) for item in itertools.islice(items, limit)]

    def acr_listing(self, login_server, path, repository, key, what, refused, budget=None):
        """The items under `key` of a paged ACR listing (/acr/v1/{repo}/_tags or _manifests, followed by its Link rel=next),
        page after page (a link back to a page already read ends it); none for an unknown repository (404). refused(response)
        is raised for any other answer but 200; a body that is not a JSON object (a proxy's HTML page) fails in
        oci.json_object's words. budget: a RequestBudget every page is counted against, or None."""
        visited = {path}
        while path:
            if budget is not None:
                budget.take(login_server, repository)
            response = self.request("GET", login_server, path, self.scope(login_server, repository))
            if response.status_code == 404:
                return
            if response.status_code != 200:
                raise refused(response)
            page = self._json_object(response, login_server, what).get(key) or []
            if not isinstance(page, list) or not page:
                return
            for item in page:
                if isinstance(item, dict):
                    yield item
            path = oci.next_page(response.headers.get("Link"), visited)

    def _error(self, response, host, what, credentials):
        text = oci.error_text(response)
        if response.status_code in (401, 403) and host in self._acr_modes and not credentials and not NETWORK_REFUSAL.search(text):
            name, mode = self._acr_modes[host]
            return AcrOpsError("%s answered %s for %s: %s" % (host, response.status_code, what, text),
                               code="UNAUTHORIZED" if response.status_code == 401 else "DENIED",
                               hint=acr_roles.read_hint(name, mode, what.split(":")[0]))
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
        return AcrOpsError("%s answered HTTP %s for %s: %s" % (host, response.status_code, what, text), transient=response.status_code >= 500,
                           hint=oci.PROXY_HINT if oci.is_html(response) else None)


def _retries_of(response):
    """How many times the session retried this request (urllib3 keeps the history on the raw response)."""
    retries = getattr(getattr(response, "raw", None), "retries", None)
    return len(getattr(retries, "history", ()) or ())
