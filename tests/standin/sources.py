# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Public source registries with Docker Hub semantics, in front of their distribution storage.

`/v2/` answers 401 with a Bearer challenge whose realm is this host's token endpoint; the token endpoint hands out
anonymous pull tokens (or, on Docker Hub, tokens for the configured user, who alone may pull its own namespace).
A repository that does not exist, or a request without a valid token, gets 401 UNAUTHORIZED: Docker Hub answers
401, not 404, for unknown repositories. Docker Hub also counts pulls against a rate limit per client (or user) and
answers 429 once it is spent, the way its documentation defines a pull (pulls_of_manifest). mcr.microsoft.com needs no
auth at all. Fronts are read-only.
"""

import asyncio
import base64
import collections
import json
import re
import urllib.parse

from .config import DOCKERHUB_USER, TOKEN_ALONE_SOURCES
from .images import IN_TOTO, INDEX_TYPES, MANIFEST_ACCEPT
from .passthrough import relay, storage_url
from .responses import iso_now, json_response, registry_error
from .tokens import limit_scopes

REPO_ROUTES = [
    ("manifests", re.compile(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$")),
    ("blobs", re.compile(r"^/v2/(?P<repo>.+)/blobs/(?P<ref>[^/]+)$")),
    ("tags", re.compile(r"^/v2/(?P<repo>.+)/tags/list$")),
]
RATE_WINDOW = 21600
TOO_MANY = ("You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: "
            "https://www.docker.com/increase-rate-limit")


class SourceFronts:
    def __init__(self, world):
        self.world = world
        self.pulls = collections.Counter()   # (host, bucket) -> manifest GETs spent

    def reset(self):
        self.pulls.clear()

    # -- tokens ---------------------------------------------------------------------------------------------------
    def _basic_user(self, request, source):
        """(username, ok): no header -> (None, True); a known user with the right password -> (user, True)."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None, True
        try:
            username, _sep, password = base64.b64decode(header.split(" ", 1)[1]).decode("utf-8").partition(":")
        except (ValueError, IndexError):
            return None, False
        if source.key in TOKEN_ALONE_SOURCES:
            return _token_alone_user(source, password)
        return username, source.users.get(username) == password and password != ""

    async def _repo_exists(self, source, repo):
        url = "%s/v2/%s/tags/list" % (source.storage.url, repo)
        async with self.world.http.get(url, params={"n": "1"}) as response:
            await response.read()
            return response.status == 200

    async def _token(self, request, source):
        self.world.counters.token_requests["source:" + source.key] += 1
        username, ok = self._basic_user(request, source)
        if not ok:
            return json_response({"details": "incorrect username or password"}, 401)
        repos = []
        for value in limit_scopes(self.world, request.query.getall("scope", [])):
            for item in value.split():
                parts = item.split(":")
                if len(parts) >= 3 and parts[0] == "repository":
                    repos.append(":".join(parts[1:-1]))
        # The repositories are looked up together: a token for 20 scopes takes one storage round trip, not 20 in a row.
        exists = await asyncio.gather(*(self._repo_exists(source, repo) for repo in repos))
        access = []
        for repo, found in zip(repos, exists):
            private = repo.startswith(DOCKERHUB_USER + "/") and (source.key == "dockerhub" or source.key in TOKEN_ALONE_SOURCES)
            allowed = found and (not private or username == DOCKERHUB_USER)
            access.append({"type": "repository", "name": repo, "actions": ["pull"] if allowed else []})
        lifetime = int(self.world.settings["source_token_lifetime"])
        token = self.world.signer.issue({"aud": source.host, "sub": username or "anonymous", "access": access, "typ": "source"}, lifetime)
        return json_response({"token": token, "access_token": token, "expires_in": lifetime, "issued_at": iso_now()})

    def _token_allows(self, request, source, repo):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        claims, problem = self.world.signer.verify(header.split(" ", 1)[1].strip())
        if problem or claims.get("typ") != "source" or claims.get("aud") != source.host:
            return None
        for entry in claims.get("access", []):
            if entry.get("name") == repo and "pull" in entry.get("actions", []):
                return claims
        return None

    def _challenge(self, request, source, repo=None, action="pull"):
        realm = "https://%s%s" % (request.host, source.realm_path)
        header = 'Bearer realm="%s",service="%s"' % (realm, source.host)
        detail = None
        if repo is not None:
            header += ',scope="repository:%s:%s"' % (repo, action) + _challenge_error(self.world, request, source)
            detail = [{"Type": "repository", "Class": "", "Name": repo, "Action": action}]
        return registry_error(401, "UNAUTHORIZED", "authentication required", detail,
                              {"WWW-Authenticate": header, "Docker-Distribution-Api-Version": "registry/2.0"})

    # -- rate limit -----------------------------------------------------------------------------------------------
    def _limited(self, source):
        return source.key == "dockerhub" and int(self.world.settings["dockerhub_pull_limit"] or 0) > 0

    async def _pulls_of(self, source, path):
        """What a manifest GET costs (pulls_of_manifest), from the stored manifest itself."""
        async with self.world.http.get(storage_url(source.storage.url, path), headers={"Accept": MANIFEST_ACCEPT}) as stored:
            body = await stored.read()
            if stored.status != 200:
                return 0
        return pulls_of_manifest(json.loads(body))

    def _rate_headers(self, source, bucket, pulls):
        """Docker Hub's ratelimit headers after spending `pulls`; None when fewer remain (the caller answers 429)."""
        limit = int(self.world.settings["dockerhub_pull_limit"] or 0)
        if not self._limited(source):
            return {}
        key = (source.host, bucket)
        if pulls:
            if self.pulls[key] + pulls > limit:
                return None
            self.pulls[key] += pulls
        return {"ratelimit-limit": "%d;w=%d" % (limit, RATE_WINDOW),
                "ratelimit-remaining": "%d;w=%d" % (max(0, limit - self.pulls[key]), RATE_WINDOW),
                "docker-ratelimit-source": bucket}

    # -- dispatch -------------------------------------------------------------------------------------------------
    async def handle(self, request, source, path, client):
        if source.realm_path and path in ("/token", "/v2/auth") and request.method == "GET":
            request["route"] = "source:token"
            return await self._token(request, source)
        if path in ("/v2", "/v2/"):
            request["route"] = "source:/v2/"
            if source.auth == "bearer" and not request.headers.get("Authorization", "").lower().startswith("bearer "):
                return self._challenge(request, source)
            return json_response({}, headers={"Docker-Distribution-Api-Version": "registry/2.0"})
        if path == "/v2/_catalog" and source.auth == "bearer":
            request["route"] = "source:/v2/_catalog"
            return _catalog_refused(self.world, request, source)
        for kind, regex in REPO_ROUTES:
            matched = regex.match(path)
            if matched:
                request["route"] = "source:/v2/{repo}/%s" % ("tags/list" if kind == "tags" else kind + "/{ref}")
                return await self._repo_route(request, source, kind, matched.group("repo"), path, client)
        request["route"] = "source:other"
        return registry_error(404, "NOT_FOUND", "the requested resource was not found")

    async def _repo_route(self, request, source, kind, repo, path, client):  # pylint: disable=too-many-arguments
        if request.method not in ("GET", "HEAD"):
            if source.auth == "none":
                return registry_error(405, "UNSUPPORTED", "The operation is unsupported.")
            return self._challenge(request, source, repo, "pull,push")
        claims = None
        if source.auth == "bearer":
            claims = self._token_allows(request, source, repo)
            if claims is None:
                return self._challenge(request, source, repo)
        if kind == "tags" and request.method == "GET" and "n" in request.query:
            return await self._tags_page(request, source, repo, client)
        extra = {}
        if kind == "manifests":
            bucket = (claims or {}).get("sub") if (claims or {}).get("sub") not in (None, "anonymous") else client
            pulls = await self._pulls_of(source, path) if request.method == "GET" and self._limited(source) else 0
            extra = self._rate_headers(source, bucket, pulls)
            if extra is None:
                return registry_error(429, "TOOMANYREQUESTS", TOO_MANY)
        return await relay(request, self.world, source.storage.url, path, client=client, host=source.host, extra_headers=extra)

    async def _tags_page(self, request, source, repo, client):
        """GET /v2/<repo>/tags/list?n=N[&last=T], paged as Docker Hub and distribution 3 do it (distribution 2.8, the storage
        here, ignores n): tags in lexical order after `last`, at most n, and a `Link: <...?last=..&n=..>; rel="next"` header
        while more follow."""
        try:
            size = int(request.query["n"])
        except ValueError:
            return registry_error(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested", {"n": request.query["n"]})
        url = "%s/v2/%s/tags/list" % (source.storage.url, repo)
        async with self.world.http.get(url) as upstream:
            body = await upstream.read()
            if upstream.status != 200:
                return registry_error(upstream.status, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        tags = sorted(json.loads(body).get("tags") or [])
        last = request.query.get("last")
        if last is not None:
            tags = [t for t in tags if t > last]
        page, more = (tags[:size], len(tags) > size) if size > 0 else (tags, False)
        headers = {"Docker-Distribution-Api-Version": "registry/2.0"}
        if more and page:
            headers["Link"] = '</v2/%s/tags/list?%s>; rel="next"' % (repo, urllib.parse.urlencode({"last": page[-1], "n": size}))
        response = json_response({"name": repo, "tags": page}, headers=headers)
        self.world.counters.add_bytes(source.host, client, len(response.body))
        request["bytes_counted"] = True
        return response


# ---- issue 19: what Docker Hub counts as a pull -----------------------------------------------------------------------------
def pulls_of_manifest(document):
    """The pulls one manifest GET costs, by Docker Hub's documented rule (docs.docker.com/docker-hub/usage/pulls/, "Pull
    definition"): a HEAD (version check) costs nothing; "a pull for a normal image makes one pull for a single manifest";
    "a pull for a multi-arch image will count as one pull for each different architecture". Counted per request: an
    index GET costs nothing by itself, each architecture's manifest GET one, an attestation manifest (in-toto layers, an
    index's unknown/unknown entry: no architecture) nothing. So ACR's import of a two-platform index costs 2, and a quota
    with 1 left runs out in the middle of it (the second child GET answers 429)."""
    if document.get("mediaType") in INDEX_TYPES or "manifests" in document:
        return 0
    layers = document.get("layers") or []
    if layers and all(layer.get("mediaType") == IN_TOTO for layer in layers):
        return 0
    return 1


# ---- issue 20: token identity and challenge errors (kept apart from the routes above) ------------------------------------
def _token_alone_user(source, password):
    """(user, ok) for a source that takes a personal access token with any username (GHCR): the token names the user."""
    for user, token in source.users.items():
        if password and password == token:
            return user, True
    return None, False


def _challenge_error(world, request, source):
    """The error parameter distribution and Docker Hub add to a 401 for a request that carried a Bearer token:
    insufficient_scope when the token is valid but lacks the repository, invalid_token when it is not ours or expired."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return ""
    claims, problem = world.signer.verify(header.split(" ", 1)[1].strip())
    if problem or claims.get("typ") != "source" or claims.get("aud") != source.host:
        return ',error="invalid_token"'
    return ',error="insufficient_scope"'


# ---- issue 18: Docker Hub serves no catalog -------------------------------------------------------------------------------
def _catalog_refused(world, request, source):
    """GET /v2/_catalog as Docker Hub answers it: 401 UNAUTHORIZED naming registry:catalog:*, with or without a token (its
    token service grants nothing for that scope), so a client can only be told to name the repositories."""
    realm = "https://%s%s" % (request.host, source.realm_path)
    header = 'Bearer realm="%s",service="%s",scope="registry:catalog:*"' % (realm, source.host) + _challenge_error(world, request, source)
    return registry_error(401, "UNAUTHORIZED", "authentication required", [{"Type": "registry", "Class": "", "Name": "catalog", "Action": "*"}],
                          {"WWW-Authenticate": header, "Docker-Distribution-Api-Version": "registry/2.0"})


def describe_limits(fronts):
    """Manifest GETs spent per (host, bucket), for the counters."""
    return {"%s %s" % key: value for key, value in fronts.pulls.items()}
