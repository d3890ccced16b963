# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The server-side copy behind importImage: read the source through its real front door and auth, write the ACR's storage.

Reads go to the source host the way ACR's import service would reach it: Docker-Hub-like hosts through the front
(anonymous Bearer tokens, or the credentials given), an emulated ACR through its data plane (Basic with the given
credentials, or an internal token for resourceId sources), the private registry straight to its TLS port with Basic.
So wrong credentials really fail. Bytes are streamed; digests are preserved because bytes are copied unchanged.
"""

import base64
import http
import json
import re
import urllib.parse

import aiohttp

from . import config
from .imports import DOCKERHUB_NAMES, ImportFailure
from .images import INDEX_TYPES, MANIFEST_ACCEPT, digest_of

CHUNK = 1 << 16
ANONYMOUS_ACR_USER = "00000000-0000-0000-0000-000000000000"


def invalid_message(status, body):
    """'Invalid message Unauthorized Unauthorized {...}': .NET status name, reason phrase, then the registry's body."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    text = body.decode("utf-8", "replace").strip() if isinstance(body, bytes) else str(body).strip()
    return "Invalid message %s %s %s" % (phrase.replace(" ", "").replace("-", ""), phrase, text)


def parse_challenge(header):
    scheme, _sep, rest = header.partition(" ")
    params = {}
    for key, value in re.findall(r'(\w+)="([^"]*)"', rest):
        params[key.lower()] = value
    return scheme.lower(), params


class SourceReader:
    """HTTP to one source registry host with that host's auth dance."""

    def __init__(self, world, host, username=None, password=None, bearer=None):
        self.world = world
        self.host = host
        self.username = username
        self.password = password
        self.auth_header = ("Bearer %s" % bearer) if bearer else None
        self.direct = host == config.PRIVATE_HOST
        self.port = world.private.storage.port if self.direct else world.front_port

    def _url(self, path_and_query):
        return "https://127.0.0.1:%d%s" % (self.port, path_and_query)

    def _headers(self, extra=None):
        headers = {"Host": self.host, "User-Agent": "acr-import/1.0 (standin)", "X-Standin-Client": self.world.internal_client_key}
        if self.auth_header:
            headers["Authorization"] = self.auth_header
        headers.update(extra or {})
        return headers

    async def _send(self, method, path, headers=None):
        try:
            return await self.world.tls_http.request(method, self._url(path), headers=self._headers(headers), server_hostname=self.host,
                                                     allow_redirects=False)
        except aiohttp.ClientError as exc:
            raise ImportFailure("Error copying blobs: cannot reach %s (%s)" % (self.host, exc)) from exc

    def _basic(self):
        raw = "%s:%s" % (self.username or "", self.password or "")
        return "Basic " + base64.b64encode(raw.encode()).decode()

    async def _authorize(self, challenge, repo):
        """Answer a 401 challenge once: a Bearer token from the realm, or Basic credentials. False if nothing to try."""
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            if self.password is None:
                return False
            self.auth_header = self._basic()
            return True
        if scheme != "bearer" or "realm" not in params:
            return False
        realm = urllib.parse.urlsplit(params["realm"])
        query = {"service": params.get("service", self.host), "scope": "repository:%s:pull" % repo}
        headers = {"Host": realm.netloc.split(":")[0], "User-Agent": "acr-import/1.0 (standin)",
                   "X-Standin-Client": self.world.internal_client_key}
        if self.password is not None:
            headers["Authorization"] = self._basic()
        url = "https://127.0.0.1:%d%s?%s" % (self.port, realm.path, urllib.parse.urlencode(query))
        async with self.world.tls_http.get(url, headers=headers, server_hostname=headers["Host"]) as response:
            body = await response.read()
            if response.status != 200:
                raise ImportFailure(invalid_message(response.status, body))
            document = json.loads(body)
        self.auth_header = "Bearer %s" % (document.get("access_token") or document.get("token"))
        return True

    async def request(self, method, path, repo, headers=None):
        """Send with auth; the caller releases the response. A 401 after authorizing is final."""
        response = await self._send(method, path, headers)
        if response.status == 401 and not self.auth_header:
            challenge = response.headers.get("WWW-Authenticate", "")
            body = await response.read()
            response.release()
            if not await self._authorize(challenge, repo):
                raise ImportFailure(invalid_message(401, body))
            response = await self._send(method, path, headers)
        return response

    async def manifest(self, repo, reference, tag_text):
        response = await self.request("GET", "/v2/%s/manifests/%s" % (repo, reference), repo, {"Accept": MANIFEST_ACCEPT})
        try:
            body = await response.read()
            if response.status == 404:
                if reference.startswith("sha256:"):
                    raise ImportFailure("Unable to find manifest digest  Repo: %s Digest: %s" % (repo, reference))
                raise ImportFailure("Unable to find manifest digest  Repo: %s Tag: %s" % (repo, tag_text))
            if response.status != 200:
                raise ImportFailure(invalid_message(response.status, body))
            if self.direct:
                self.world.counters.add_bytes(self.host, "acr-import", len(body))
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            return digest_of(body), media_type, body
        finally:
            response.release()


class Plan:
    def __init__(self, operation, reader, registry):
        self.operation = operation
        self.reader = reader
        self.registry = registry
        self.top = None
        self.children = []


class Copier:
    def __init__(self, world):
        self.world = world

    # -- source resolution ----------------------------------------------------------------------------------------
    def _reader(self, request):
        if request.resource_id:
            source = self.world.registry_by_id(request.resource_id)
            if source is None:
                raise ImportFailure("Source registry %s could not be found." % request.resource_id)
            self._check_source_network(source, by_resource_id=True)
            # The import service reads a resourceId source with its own identity, not with caller credentials.
            token = self.world.signer.issue({"aud": source.login_server, "grant_type": "access_token", "sub": "acr-import",
                                             "access": [{"Type": "repository", "Name": request.repo, "Actions": ["pull"]}],
                                             "typ": "acr"}, 600)
            return SourceReader(self.world, source.login_server, bearer=token)
        host = request.source_host()
        if host in DOCKERHUB_NAMES:
            host = self.world.sources["dockerhub"].host
        if self.world.source_by_host(host) is None and self.world.registry_by_login(host) is None:
            raise ImportFailure("Invalid message BadGateway Bad Gateway dial tcp: lookup %s: no such host" % host)
        if self.world.registry_by_login(host) is not None:
            self._check_source_network(self.world.registry_by_login(host), by_resource_id=False)
        username = request.username
        if request.has_credentials and not username and self.world.registry_by_login(host):
            username = ANONYMOUS_ACR_USER
        return SourceReader(self.world, host, username, request.password if request.has_credentials else None)

    @staticmethod
    def _check_source_network(source, by_resource_id):
        """A network-restricted source ACR refuses the import service's reads unless it comes as a trusted service
        (named by resource ID, bypass AzureServices): then the operation fails with the registry's 403 body."""
        body = source.policy.import_source_problem(by_resource_id)
        if body is not None:
            raise ImportFailure(invalid_message(403, body))

    async def _dest_digest(self, registry, repo, tag):
        async with self.world.http.head("%s/v2/%s/manifests/%s" % (registry.storage.url, repo, tag),
                                        headers={"Accept": MANIFEST_ACCEPT}) as response:
            return response.headers.get("Docker-Content-Digest") if response.status == 200 else None

    async def plan(self, operation):
        """Everything that can fail before a byte is copied: target checks, then the source manifests."""
        request, registry = operation.request, operation.registry
        body = registry.policy.import_target_problem()
        if body is not None:
            raise ImportFailure(invalid_message(403, body))
        for repo, tag in request.target_tags:
            existing = await self._dest_digest(registry, repo, tag)
            if existing and request.mode == "NoForce":
                raise ImportFailure("Tag %s:%s already exists in target registry." % (repo, tag))
            if existing and registry.tags.is_locked(repo, tag):
                raise ImportFailure('Invalid message Forbidden Forbidden {"errors":[{"code":"DENIED","message":"The operation is '
                                    'disallowed on this registry, repository or image."}]}')
        plan = Plan(operation, self._reader(request), registry)
        plan.top = await plan.reader.manifest(request.repo, request.reference, request.tag)
        if request.digest and plan.top[0] != request.digest:
            raise ImportFailure("Unable to find manifest digest  Repo: %s Digest: %s" % (request.repo, request.digest))
        if plan.top[1] in INDEX_TYPES:
            children = json.loads(plan.top[2]).get("manifests", [])
            limit = int(self.world.settings["max_import_manifests"])
            if len(children) + 1 > limit:
                # The documented limit in the documentation's words (learn.microsoft.com, "Import container images",
                # Limitations); no recording shows the service's own text for it.
                raise ImportFailure("The maximum number of manifests for an imported image is %d." % limit)
            for child in children:
                plan.children.append(await plan.reader.manifest(request.repo, child["digest"], child["digest"]))
        return plan

    # -- the copy -------------------------------------------------------------------------------------------------
    async def _blob_exists(self, registry, repo, digest):
        async with self.world.http.head("%s/v2/%s/blobs/%s" % (registry.storage.url, repo, digest)) as response:
            return response.status == 200

    async def _upload_location(self, registry, repo, query=""):
        async with self.world.http.post("%s/v2/%s/blobs/uploads/%s" % (registry.storage.url, repo, query)) as response:
            await response.read()
            if response.status == 201:
                return None  # mounted
            if response.status != 202:
                raise ImportFailure("Error copying blobs")
            location = response.headers["Location"]
        return location if location.startswith("http") else registry.storage.url + location

    async def _copy_blob(self, plan, repo, digest, mounted_from):
        registry, reader = plan.registry, plan.reader
        if await self._blob_exists(registry, repo, digest):
            return
        if mounted_from:
            query = "?mount=%s&from=%s" % (digest, urllib.parse.quote(mounted_from, safe="/"))
            if await self._upload_location(registry, repo, query) is None:
                return
        location = await self._upload_location(registry, repo)
        source_repo = plan.operation.request.repo
        response = await reader.request("GET", "/v2/%s/blobs/%s" % (source_repo, digest), source_repo)
        try:
            if response.status != 200:
                raise ImportFailure(invalid_message(response.status, await response.read()))
            length = response.headers.get("Content-Length")
            counted = {"n": 0}

            async def chunks():
                async for chunk in response.content.iter_chunked(CHUNK):
                    counted["n"] += len(chunk)
                    yield chunk

            headers = {"Content-Type": "application/octet-stream"}
            if length is not None:
                headers["Content-Length"] = length
            joiner = "&" if "?" in location else "?"
            async with self.world.http.put("%s%sdigest=%s" % (location, joiner, digest), data=chunks(), headers=headers) as put:
                await put.read()
                if put.status != 201:
                    raise ImportFailure("Error copying blobs")
            if reader.direct:
                self.world.counters.add_bytes(reader.host, "acr-import", counted["n"])
            self.world.counters.add_bytes(registry.login_server, "acr-import", counted["n"])
        finally:
            response.release()

    async def _put_manifest(self, registry, repo, reference, media_type, body):
        async with self.world.http.put("%s/v2/%s/manifests/%s" % (registry.storage.url, repo, reference), data=body,
                                       headers={"Content-Type": media_type}) as response:
            await response.read()
            if response.status != 201:
                raise ImportFailure("Error copying blobs")
        self.world.counters.add_bytes(registry.login_server, "acr-import", len(body))
        # The referrers API lists what names a subject: remember every manifest the import writes (tagged or not).
        registry.referrers.record(repo, digest_of(body), media_type, body)

    @staticmethod
    def _target_repos(request):
        repos = []
        for repo in [t[0] for t in request.target_tags] + list(request.untagged):
            if repo not in repos:
                repos.append(repo)
        return repos

    async def stage(self, plan):
        """The bulk of the work, done while the operation is still running: blobs and child manifests into every target
        repository. Nothing is tagged yet, so a reader sees no change until publish()."""
        images = plan.children if plan.children else [plan.top]
        first_repo = None
        for repo in self._target_repos(plan.operation.request):
            for _digest, media_type, body in images:
                if media_type in INDEX_TYPES:
                    continue
                manifest = json.loads(body)
                for descriptor in [manifest.get("config")] + list(manifest.get("layers") or []):
                    if descriptor and descriptor.get("digest"):
                        await self._copy_blob(plan, repo, descriptor["digest"], first_repo)
            for digest, media_type, body in plan.children:
                await self._put_manifest(plan.registry, repo, digest, media_type, body)
            first_repo = first_repo or repo

    async def publish(self, plan):
        """The end of the operation: the top manifest under each target tag (or by digest for untagged targets)."""
        request, registry = plan.operation.request, plan.registry
        for repo in self._target_repos(request):
            tags = [tag for target_repo, tag in request.target_tags if target_repo == repo]
            for tag in tags:
                if registry.tags.is_locked(repo, tag):
                    raise ImportFailure('Invalid message Forbidden Forbidden {"errors":[{"code":"DENIED","message":"The operation '
                                        'is disallowed on this registry, repository or image."}]}')
                await self._put_manifest(registry, repo, tag, plan.top[1], plan.top[2])
                registry.tags.write_tag(repo, tag, plan.top[0])
            if not tags:
                await self._put_manifest(registry, repo, plan.top[0], plan.top[1], plan.top[2])
            registry.tags.observe_manifest(repo, plan.top[0])
