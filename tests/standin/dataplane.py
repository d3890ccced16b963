# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ACR data plane of one emulated registry (<name>.azurecr.standin.test).

Auth as ACR: an unauthenticated call gets 401 with a Bearer challenge naming the scope it needs; /oauth2/exchange
turns an Entra token into a refresh token, /oauth2/token turns a refresh token (or Basic credentials: a service
principal, 00000000-... + refresh token, or any user + Entra token) into an access token for the asked scopes.
Every call checks its token. /acr/v1 answers from distribution + the tag store; /v2 is relayed to storage, except the
OCI 1.1 referrers API (/v2/<repo>/referrers/<digest>), answered from the registry's referrers index (world.ReferrersIndex).
"""

# pylint: disable=unused-argument  # route handlers share one signature (request, registry, client, **path params)

import base64
import json
import os
import re
import urllib.parse

from . import config, deletes
from .entra import verify_entra_token
from .images import INDEX_TYPES, MANIFEST_ACCEPT, OCI_INDEX
from .passthrough import relay
from .registry_policy import ARM_TOKEN_DISABLED_MESSAGE
from .responses import json_response, registry_error
from .tokens import limit_scopes

ANON_USER = "00000000-0000-0000-0000-000000000000"
AUTH_MESSAGE = "authentication required, visit https://aka.ms/acr/authorization for more information."
DATAPLANE_AUDIENCES = tuple(config.ARM_AUDIENCES) + (config.ACR_AUDIENCE,)
DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
ROUTE_TEMPLATES = [
    ("acr_tag", "/acr/v1/{repo}/_tags/{tag}"),
    ("acr_tags", "/acr/v1/{repo}/_tags"),
    ("acr_manifest", "/acr/v1/{repo}/_manifests/{digest}"),
    ("acr_manifests", "/acr/v1/{repo}/_manifests"),
    ("acr_catalog", "/acr/v1/_catalog"),
    ("acr_repository", "/acr/v1/{repo}"),
    ("v2_catalog", "/v2/_catalog"),
    ("v2_upload", "/v2/{repo}/blobs/uploads/{upload}"),
    ("v2_blob", "/v2/{repo}/blobs/{digest}"),
    ("v2_manifest", "/v2/{repo}/manifests/{reference}"),
    ("v2_tags", "/v2/{repo}/tags/list"),
    ("v2_referrers", "/v2/{repo}/referrers/{digest}"),
]


def compile_template(template):
    """'/v2/{repo}/blobs/{digest}' -> a regex: repositories may hold '/', other parts not (upload ids may be empty)."""
    pattern = re.escape(template).replace(r"\{repo\}", "(?P<repo>.+)").replace(r"\{upload\}", "(?P<upload>[^/]*)")
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile("^%s$" % pattern)


ROUTES = [(name, template, compile_template(template)) for name, template in ROUTE_TEMPLATES]
ATTRIBUTE_KEYS = ("deleteEnabled", "writeEnabled", "readEnabled", "listEnabled")


def parse_scopes(values):
    """['repository:a/b:pull,push registry:catalog:*'] -> [(type, name, [actions])]."""
    scopes = []
    for value in values:
        for item in value.split():
            parts = item.split(":")
            if len(parts) >= 3:
                scopes.append((parts[0], ":".join(parts[1:-1]), [a for a in parts[-1].split(",") if a]))
    return scopes


def needed_action(route, method):
    if route.startswith("acr_"):
        if method in ("PATCH", "PUT"):
            return "metadata_write"
        if method == "DELETE":
            return "delete"
        return "metadata_read"
    if method in ("GET", "HEAD"):
        return "pull"
    if method == "DELETE":
        return "delete"
    return "push"


class DataPlane:
    def __init__(self, world):
        self.world = world

    # -- tokens ---------------------------------------------------------------------------------------------------
    def _issue_refresh(self, registry, principal):
        return self.world.signer.issue({"aud": registry.login_server, "iss": "Azure Container Registry", "sub": principal.object_id,
                                        "appid": principal.client_id, "grant_type": "refresh_token", "version": "1.0",
                                        "tenant": self.world.tenant_id, "roles": [], "typ": "acr",
                                        "permissions": {"Actions": ["read", "write", "delete"] if principal.can_import else ["read"],
                                                        "NotActions": None}},
                                       self.world.settings["acr_refresh_token_lifetime"])

    def _issue_access(self, registry, principal, scopes):
        access = []
        policy = registry.policy
        for kind, name, actions in scopes:
            if kind == "repository" and policy.abac:
                # ABAC: registry-wide roles grant nothing on repositories; only the repository grants do.
                held = policy.granted_actions(principal, name)
                granted = [a for a in actions if a in held or (a == "*" and set(config.ALL_ACTIONS) <= held)]
                access.append({"Type": "repository", "Name": name, "Actions": granted})
            elif kind == "repository":
                granted = [a for a in actions if a in principal.actions or (a == "*" and principal.can_import)]
                access.append({"Type": "repository", "Name": name, "Actions": granted})
            elif kind == "registry" and name == "catalog":
                allowed = not policy.abac or policy.catalog_allowed(principal)
                access.append({"Type": "registry", "Name": "catalog", "Actions": ["*"] if allowed else []})
        return self.world.signer.issue({"aud": registry.login_server, "iss": "Azure Container Registry", "sub": principal.object_id,
                                        "appid": principal.client_id, "grant_type": "access_token", "version": "2.0", "roles": [],
                                        "access": access, "typ": "acr"}, self.world.settings["acr_access_token_lifetime"])

    def _principal_from_refresh(self, registry, token_text):
        claims, problem = self.world.signer.verify(token_text)
        if problem or claims.get("typ") != "acr" or claims.get("grant_type") != "refresh_token" or claims.get("aud") != registry.login_server:
            return None
        return self.world.principal_by_client_id(claims.get("appid"))

    def _principal_from_basic(self, registry, header):
        """Basic credentials ACR takes: SP id + secret, 000...0 + refresh token, or any user + Entra access token."""
        try:
            username, _sep, password = base64.b64decode(header.split(" ", 1)[1]).decode("utf-8").partition(":")
        except (ValueError, IndexError):
            return None
        principal = self.world.principal_by_client_id(username)
        if principal is not None and password == principal.secret:
            return principal
        principal = self._principal_from_refresh(registry, password)
        if principal is not None:
            return principal
        principal, claims, problem = verify_entra_token(self.world, password, DATAPLANE_AUDIENCES)
        if problem is None and registry.policy.refuses_audience(claims.get("aud")):
            return None
        return principal if problem is None else None

    def _unauthorized(self, registry, scope_text=None, message=AUTH_MESSAGE, detail=None):
        challenge = 'Bearer realm="https://%s/oauth2/token",service="%s"' % (registry.login_server, registry.login_server)
        if scope_text:
            challenge += ',scope="%s"' % scope_text
        return registry_error(401, "UNAUTHORIZED", message, detail,
                              {"WWW-Authenticate": challenge, "Docker-Distribution-Api-Version": "registry/2.0"})

    async def _exchange(self, request, registry):
        self.world.counters.token_requests["acr_exchange"] += 1
        form = await request.post()
        if form.get("grant_type") not in ("access_token", "access_token_refresh_token"):
            return registry_error(400, "UNSUPPORTED", "grant type '%s' is not supported" % form.get("grant_type", ""))
        if form.get("service") and form["service"] != registry.login_server:
            return registry_error(400, "UNSUPPORTED", "service '%s' does not match this registry" % form["service"])
        tenant = form.get("tenant")
        principal, claims, problem = verify_entra_token(self.world, form.get("access_token", ""), DATAPLANE_AUDIENCES)
        if problem or (tenant and claims and tenant != claims.get("tid")):
            return registry_error(401, "UNAUTHORIZED", "Invalid AAD access token (%s)." % (problem or "tenant mismatch"))
        if registry.policy.refuses_audience(claims.get("aud")):
            self.world.counters.token_requests["acr_exchange_arm_refused"] += 1
            return registry_error(401, "UNAUTHORIZED", ARM_TOKEN_DISABLED_MESSAGE)
        return json_response({"refresh_token": self._issue_refresh(registry, principal)})

    async def _token(self, request, registry):
        self.world.counters.token_requests["acr_token"] += 1
        if request.method == "POST":
            form = await request.post()
            scopes = parse_scopes(limit_scopes(self.world, form.getall("scope", [])))
            grant = form.get("grant_type", "refresh_token")
            principal = None
            if grant == "refresh_token":
                principal = self._principal_from_refresh(registry, form.get("refresh_token", ""))
            elif grant == "password" and form.get("password"):
                raw = "%s:%s" % (form.get("username", ""), form["password"])
                principal = self._principal_from_basic(registry, "Basic " + base64.b64encode(raw.encode()).decode())
        else:
            scopes = parse_scopes(limit_scopes(self.world, request.query.getall("scope", [])))
            header = request.headers.get("Authorization", "")
            principal = self._principal_from_basic(registry, header) if header.lower().startswith("basic ") else None
        if principal is None:
            return registry_error(401, "UNAUTHORIZED", AUTH_MESSAGE)
        return json_response({"access_token": self._issue_access(registry, principal, scopes)})

    def _authorized(self, request, registry, kind, name, action):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return False
        claims, problem = self.world.signer.verify(header.split(" ", 1)[1].strip())
        if problem or claims.get("typ") != "acr" or claims.get("grant_type") != "access_token" or claims.get("aud") != registry.login_server:
            return False
        if kind is None:
            return True
        for entry in claims.get("access", []):
            if entry.get("Type") == kind and entry.get("Name") == name and (action in entry.get("Actions", []) or "*" in entry.get("Actions", [])):
                return True
        return False

    # -- dispatch -------------------------------------------------------------------------------------------------
    async def handle(self, request, registry, path, client):
        if path == "/oauth2/exchange" and request.method == "POST":
            request["route"] = "acr:/oauth2/exchange"
            return await self._exchange(request, registry)
        if path == "/oauth2/token" and request.method in ("GET", "POST"):
            request["route"] = "acr:/oauth2/token"
            return await self._token(request, registry)
        if path in ("/v2", "/v2/"):
            request["route"] = "acr:/v2/"
            if not self._authorized(request, registry, None, None, None):
                return self._unauthorized(registry)
            return json_response({}, headers={"Docker-Distribution-Api-Version": "registry/2.0"})
        for name, template, regex in ROUTES:
            matched = regex.match(path)
            if matched:
                request["route"] = "acr:" + template
                return await self._route(request, registry, name, matched.groupdict(), client)
        request["route"] = "acr:other"
        return registry_error(404, "NOT_FOUND", "the requested resource was not found")

    async def _route(self, request, registry, name, params, client):
        action = needed_action(name, request.method)
        repo = params.get("repo")
        if name in ("acr_catalog", "v2_catalog"):
            kind, target, scope_text = "registry", "catalog", "registry:catalog:*"
        else:
            kind, target = "repository", repo
            scope_text = "repository:%s:%s" % (repo, "pull,push" if action == "push" else action)
        if not self._authorized(request, registry, kind, target, action if kind == "repository" else "*"):
            detail = [{"Type": kind, "Name": target, "Action": action if kind == "repository" else "*"}]
            return self._unauthorized(registry, scope_text, detail=detail)
        handler = getattr(self, "_" + name)
        return await handler(request, registry, client=client, **params)

    # -- /v2 relayed to storage -----------------------------------------------------------------------------------
    async def _relay(self, request, registry, path, client, on_done=None):
        return await relay(request, self.world, registry.storage.url, path, client=client, host=registry.login_server, on_done=on_done)

    async def _v2_catalog(self, request, registry, client):
        return await self._relay(request, registry, "/v2/_catalog", client)

    async def _v2_upload(self, request, registry, client, repo, upload):
        return await self._relay(request, registry, "/v2/%s/blobs/uploads/%s" % (repo, upload), client)

    async def _v2_blob(self, request, registry, client, repo, digest):
        return await self._relay(request, registry, "/v2/%s/blobs/%s" % (repo, digest), client)

    async def _v2_tags(self, request, registry, client, repo):
        return await self._relay(request, registry, "/v2/%s/tags/list" % repo, client)

    async def _v2_referrers(self, request, registry, client, repo, digest):
        """OCI 1.1 referrers API: an image index of every manifest in `repo` whose subject is `digest` (optionally only
        those of the asked artifactType, then with `OCI-Filters-Applied: artifactType`). An unknown repository is 404
        NAME_UNKNOWN; a digest nothing refers to (or that is not there at all) gets an empty index, as the spec says."""
        if request.method not in ("GET", "HEAD"):
            return registry_error(405, "UNSUPPORTED", "The operation is unsupported.")
        if not DIGEST_RE.match(digest):
            return registry_error(400, "DIGEST_INVALID", "provided digest did not match uploaded content", {"digest": digest})
        present = set(self._manifest_digests(registry, repo))
        if not present and await self._repo_tags(registry, repo) is None:
            return registry_error(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        await self._index_unseen(registry, repo, present)
        manifests = registry.referrers.referrers(repo, digest, present)
        headers = {"Docker-Distribution-Api-Version": "registry/2.0"}
        wanted = [t for t in request.query.getall("artifactType", []) if t]
        if wanted:
            manifests = [m for m in manifests if m.get("artifactType") in wanted]
            headers["OCI-Filters-Applied"] = "artifactType"
        response = json_response({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, headers=headers)
        response.headers["Content-Type"] = OCI_INDEX
        return response

    async def _index_unseen(self, registry, repo, present):
        """Record the manifests of `repo` the referrers index has not seen (pushed straight to storage, or before a restart)."""
        changed = False
        for digest in sorted(present):
            if registry.referrers.known(repo, digest):
                continue
            status, headers, body = await self._storage_json(registry, "/v2/%s/manifests/%s" % (repo, digest))
            if status == 200:
                registry.referrers.record(repo, digest, headers.get("Content-Type", "").split(";")[0].strip(), body, save=False)
                changed = True
        if changed:
            registry.referrers.save(repo)

    async def _v2_manifest(self, request, registry, client, repo, reference):
        is_tag = not reference.startswith("sha256:")
        if request.method == "DELETE" and not is_tag:
            return await deletes.delete_manifest(self, request, registry, repo, reference)
        if request.method == "PUT" and is_tag and registry.tags.is_locked(repo, reference):
            return registry_error(403, "DENIED", "The operation is disallowed on this registry, repository or image.")

        def remember(upstream):
            if request.method == "PUT" and upstream.status == 201 and upstream.headers.get("Docker-Content-Digest"):
                digest = upstream.headers["Docker-Content-Digest"]
                if is_tag:
                    registry.tags.write_tag(repo, reference, digest)
                # The referrers index learns whether the manifest names a subject before the client hears 201 (so a
                # referrers call right after the push lists it). The PUT body was streamed through, not kept: distribution
                # has just written its exact bytes to its blob store.
                body = self._stored_blob(registry, digest)
                if body is not None:
                    registry.referrers.record(repo, digest, request.headers.get("Content-Type", "").split(";")[0].strip(), body)

        return await self._relay(request, registry, "/v2/%s/manifests/%s" % (repo, reference), client, on_done=remember)

    @staticmethod
    def _stored_blob(registry, digest):
        """The bytes distribution stores for a digest (its filesystem layout), or None."""
        algorithm, _sep, encoded = digest.partition(":")
        if algorithm != "sha256" or not re.match(r"^[a-f0-9]{64}$", encoded):
            return None
        path = os.path.join(registry.storage.root, "data", "docker", "registry", "v2", "blobs", "sha256", encoded[:2], encoded, "data")
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError:
            return None

    # -- /acr/v1 ----------------------------------------------------------------------------------------------------
    async def _storage_json(self, registry, path, query=None):
        url = registry.storage.url + urllib.parse.quote(path, safe="/:@")
        async with self.world.http.get(url, params=query or {}, headers={"Accept": MANIFEST_ACCEPT}) as response:
            body = await response.read()
            return response.status, response.headers, body

    async def _tag_digest(self, registry, repo, tag):
        url = registry.storage.url + urllib.parse.quote("/v2/%s/manifests/%s" % (repo, tag), safe="/:@")
        async with self.world.http.head(url, headers={"Accept": MANIFEST_ACCEPT}) as response:
            return response.headers.get("Docker-Content-Digest") if response.status == 200 else None

    async def _repo_tags(self, registry, repo):
        status, _headers, body = await self._storage_json(registry, "/v2/%s/tags/list" % repo, {"n": "100000"})
        if status != 200:
            # distribution says NAME_UNKNOWN for a repository that holds only untagged manifests; ACR lists no tags.
            return [] if self._manifest_digests(registry, repo) else None
        return sorted(json.loads(body).get("tags") or [])

    def _tag_body(self, registry, repo, tag, entry):
        return {"name": tag, "digest": entry["digest"], "createdTime": entry["createdTime"], "lastUpdateTime": entry["lastUpdateTime"],
                "signed": False, "changeableAttributes": dict(entry["changeableAttributes"])}

    async def _tag_entry(self, registry, repo, tag):
        """(entry, error response): the tag store's view, reconciled with what storage says now."""
        digest = await self._tag_digest(registry, repo, tag)
        if digest is None:
            registry.tags.forget_tag(repo, tag)
            if await self._repo_tags(registry, repo) is None:
                return None, registry_error(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
            return None, registry_error(404, "TAG_UNKNOWN", "the specified tag does not exist", {"Tag": tag})
        return registry.tags.observe_tag(repo, tag, digest), None

    async def _acr_tag(self, request, registry, client, repo, tag):
        entry, problem = await self._tag_entry(registry, repo, tag)
        if problem:
            return problem
        if request.method == "PATCH":
            try:
                changes = json.loads(await request.read() or b"{}")
            except ValueError:
                return registry_error(400, "BAD_REQUEST", "the request body is not JSON")
            if not isinstance(changes, dict) or any(not isinstance(changes[k], bool) for k in changes if k in ATTRIBUTE_KEYS):
                return registry_error(400, "BAD_REQUEST", "changeable attributes must be booleans")
            entry = registry.tags.set_tag_attributes(repo, tag, {k: v for k, v in changes.items() if k in ATTRIBUTE_KEYS})
        elif request.method == "DELETE":
            return deletes.delete_tag(registry, repo, tag, entry)
        elif request.method != "GET":
            return registry_error(405, "UNSUPPORTED", "method not allowed")
        return json_response({"registry": registry.login_server, "imageName": repo,
                              "tag": self._tag_body(registry, repo, tag, entry)}, headers={"Docker-Distribution-Api-Version": "registry/2.0"})

    async def _acr_tags(self, request, registry, client, repo):
        tags = await self._repo_tags(registry, repo)
        if tags is None:
            return registry_error(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        entries = []
        for tag in tags:
            entry, _problem = await self._tag_entry(registry, repo, tag)
            if entry is not None:
                entries.append(self._tag_body(registry, repo, tag, entry))
        orderby = request.query.get("orderby", "")
        if orderby == "timedesc":
            entries.sort(key=lambda e: e["lastUpdateTime"], reverse=True)
        elif orderby == "timeasc":
            entries.sort(key=lambda e: e["lastUpdateTime"])
        return self._page(request, entries, "/acr/v1/%s/_tags" % repo, {"registry": registry.login_server, "imageName": repo}, "tags")

    def _page(self, request, entries, path, envelope, key, name_of=lambda e: e["name"] if isinstance(e, dict) else e, cap=0):
        """Page by `n` and `last` (the name of the last item seen), with an RFC 5988 Link to the next page; a page holds at
        most `cap` items when cap > 0, whatever n asks (a registry's own page limit)."""
        try:
            size = max(1, int(request.query.get("n", "100")))
        except ValueError:
            return registry_error(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
        size = min(size, cap) if cap > 0 else size
        last = request.query.get("last")
        names = [name_of(e) for e in entries]
        start = names.index(last) + 1 if last in names else 0
        page = entries[start:start + size]
        body = dict(envelope)
        body[key] = page
        headers = {}
        if start + size < len(entries):
            query = {"last": names[start + size - 1], "n": str(size)}
            if request.query.get("orderby"):
                query["orderby"] = request.query["orderby"]
            headers["Link"] = '<%s?%s>; rel="next"' % (path, urllib.parse.urlencode(query))
        return json_response(body, headers=headers)

    async def _all_repositories(self, registry):
        """Every repository in storage (distribution caps a catalog page at 1000 entries)."""
        repos, last = [], None
        while True:
            query = {"n": "1000"}
            if last:
                query["last"] = last
            status, headers, body = await self._storage_json(registry, "/v2/_catalog", query)
            page = json.loads(body).get("repositories") or [] if status == 200 else []
            repos += page
            if not page or "Link" not in headers:
                return sorted(repos)
            last = page[-1]

    async def _acr_catalog(self, request, registry, client):
        return self._page(request, await self._all_repositories(registry), "/acr/v1/_catalog", {}, "repositories",
                          cap=int(self.world.settings["catalog_page_size"] or 0))

    def _manifest_digests(self, registry, repo):
        """distribution has no API to list a repository's manifests; its filesystem layout does."""
        root = os.path.join(registry.storage.root, "data", "docker", "registry", "v2", "repositories", repo, "_manifests",
                            "revisions", "sha256")
        if not os.path.isdir(root):
            return []
        # A deleted manifest loses its revision link; distribution leaves the empty directory behind.
        return sorted("sha256:" + name for name in os.listdir(root) if os.path.exists(os.path.join(root, name, "link")))

    async def _manifest_body(self, registry, repo, digest, tags_by_digest):
        status, headers, body = await self._storage_json(registry, "/v2/%s/manifests/%s" % (repo, digest))
        if status != 200:
            return None
        media_type = headers.get("Content-Type", "").split(";")[0]
        document = json.loads(body)
        entry = registry.tags.observe_manifest(repo, digest)
        result = {"digest": digest, "imageSize": len(body), "createdTime": entry["createdTime"], "lastUpdateTime": entry["lastUpdateTime"],
                  "mediaType": media_type, "tags": tags_by_digest.get(digest, []), "changeableAttributes": dict(entry["changeableAttributes"])}
        if media_type in INDEX_TYPES:
            result["references"] = [{"digest": m["digest"], "architecture": (m.get("platform") or {}).get("architecture"),
                                     "os": (m.get("platform") or {}).get("os")} for m in document.get("manifests", [])]
        else:
            sizes = [d.get("size", 0) for d in [document.get("config") or {}] + list(document.get("layers") or [])]
            result["imageSize"] += sum(sizes)
            config_digest = (document.get("config") or {}).get("digest")
            result["configMediaType"] = (document.get("config") or {}).get("mediaType")
            if config_digest:
                cstatus, _h, cbody = await self._storage_json(registry, "/v2/%s/blobs/%s" % (repo, config_digest))
                if cstatus == 200:
                    try:
                        image_config = json.loads(cbody)
                        result["architecture"], result["os"] = image_config.get("architecture"), image_config.get("os")
                    except ValueError:
                        pass
        return result

    async def _tags_by_digest(self, registry, repo):
        mapping = {}
        for tag in await self._repo_tags(registry, repo) or []:
            digest = await self._tag_digest(registry, repo, tag)
            if digest:
                mapping.setdefault(digest, []).append(tag)
        return mapping

    async def _acr_manifest(self, request, registry, client, repo, digest):
        if request.method not in ("GET", "PATCH"):
            return registry_error(405, "UNSUPPORTED", "method not allowed")
        manifest = await self._manifest_body(registry, repo, digest, await self._tags_by_digest(registry, repo))
        if manifest is None:
            return registry_error(404, "MANIFEST_UNKNOWN", "manifest unknown", {"Name": repo, "Revision": digest})
        if request.method == "PATCH":
            changes = json.loads(await request.read() or b"{}")
            registry.tags.observe_manifest(repo, digest)["changeableAttributes"].update(
                {k: v for k, v in changes.items() if k in ATTRIBUTE_KEYS and isinstance(v, bool)})
            registry.tags.save(repo)
            manifest["changeableAttributes"] = dict(registry.tags.manifest(repo, digest)["changeableAttributes"])
        return json_response({"registry": registry.login_server, "imageName": repo, "manifest": manifest})

    async def _acr_manifests(self, request, registry, client, repo):
        if await self._repo_tags(registry, repo) is None and not self._manifest_digests(registry, repo):
            return registry_error(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        tags = await self._tags_by_digest(registry, repo)
        manifests = []
        for digest in self._manifest_digests(registry, repo):
            body = await self._manifest_body(registry, repo, digest, tags)
            if body is not None:
                manifests.append(body)
        return self._page(request, manifests, "/acr/v1/%s/_manifests" % repo, {"registry": registry.login_server, "imageName": repo},
                          "manifests", name_of=lambda e: e["digest"], cap=int(self.world.settings["manifests_page_size"] or 0))

    async def _acr_repository(self, request, registry, client, repo):
        tags = await self._repo_tags(registry, repo)
        if tags is None:
            return registry_error(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        if request.method != "GET":
            return registry_error(405, "UNSUPPORTED", "method not allowed")
        entries = [registry.tags.tag(repo, t) for t in tags]
        times = sorted(e["lastUpdateTime"] for e in entries if e) or [None]
        created = sorted(e["createdTime"] for e in entries if e) or [None]
        return json_response({"registry": registry.login_server, "imageName": repo, "createdTime": created[0], "lastUpdateTime": times[-1],
                              "manifestCount": len(self._manifest_digests(registry, repo)), "tagCount": len(tags),
                              "changeableAttributes": {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True,
                                                       "listEnabled": True}})
