# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Changes to an ACR's tags through its data plane (api 2021-07-01), on the run's RegistryClient (auth, pooling, retries):
read a tag's attributes, PATCH them, DELETE a tag.

Each change asks for the token scope it needs (metadata_write, delete), which an importer identity may not hold: ACR then
grants a token without the action and refuses the call with 401 (or 403), and the error names the roles that give it in the
registry's role-assignment mode (acr_roles.py; RegistryClient.add_acr recorded it).
"""

from __future__ import annotations

import itertools

from urllib.parse import quote

from ansible_collections.acrops.registry.plugins.module_utils import acr_roles, oci
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show
from ansible_collections.acrops.registry.plugins.module_utils.tag_lifecycle import TagFacts

DISALLOWED = "REGISTRY_DISALLOWED_OPERATION"


def _tag_path(repository, tag):
    return "/acr/v1/%s/_tags/%s" % (quote(repository, safe=""), quote(tag, safe=""))


def _scope(repository, action):
    return "repository:%s:%s" % (repository, action)


def _refused(client, response, login_server, repository, what, action):
    """The error of a call ACR did not do: permissions (401/403) name the roles, a lock says so, anything else as it came."""
    text = oci.error_text(response)
    if response.status_code in (401, 403):
        name, mode = client.acr_mode(login_server)
        return AcrOpsError("%s refused to %s (HTTP %s): %s" % (login_server, what, response.status_code, text), code="UNAUTHORIZED"
                           if response.status_code == 401 else "DENIED", hint=acr_roles.action_hint(action, name, mode, repository))
    if response.status_code == 405 and oci.error_code(response) == DISALLOWED:
        return AcrOpsError("%s refused to %s: it is locked (writeEnabled or deleteEnabled false): %s" % (login_server, what, text),
                           code=DISALLOWED)
    return AcrOpsError("%s answered HTTP %s to %s: %s" % (login_server, response.status_code, what, text),
                       transient=response.status_code >= 500)


def _facts(response, client, login_server, what):
    body = oci.json_object(response, login_server, what, client.redactor)
    tag = body.get("tag") if "tag" in body else body
    attributes = tag.get("changeableAttributes") if isinstance(tag, dict) else None
    if not isinstance(attributes, dict) or not isinstance(tag.get("digest"), str):
        raise AcrOpsError("%s answered %s with something that is not a tag: %s"
                          % (login_server, what, show(client.redactor.scrub(response.text[:200]))))
    return TagFacts(tag["digest"], {k: v for k, v in attributes.items() if isinstance(v, bool)})


def read_tag(client, login_server, repository, tag):
    """TagFacts of one tag, or None when the tag (or its repository) does not exist."""
    what = "read the tag %s:%s" % (repository, tag)
    response = client.request("GET", login_server, _tag_path(repository, tag), client.scope(login_server, repository))
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise _refused(client, response, login_server, repository, what, "metadata_read")
    return _facts(response, client, login_server, what)


def update_tag(client, login_server, repository, tag, changes):
    """PATCH a tag's changeable attributes -> its TagFacts after the change."""
    what = "change the attributes of %s:%s" % (repository, tag)
    response = client.request("PATCH", login_server, _tag_path(repository, tag), _scope(repository, "metadata_write"), json=changes)
    if response.status_code != 200:
        raise _refused(client, response, login_server, repository, what, "metadata_write")
    return _facts(response, client, login_server, what)


def delete_tag(client, login_server, repository, tag):
    """DELETE one tag (its manifest stays, untagged if it has no other tag). A tag already gone counts as deleted."""
    response = client.request("DELETE", login_server, _tag_path(repository, tag), _scope(repository, "delete"))
    if response.status_code not in (200, 202, 404):
        raise _refused(client, response, login_server, repository, "delete the tag %s:%s" % (repository, tag), "delete")


def list_tags(client, login_server, repository, limit=10000):
    """{tag: TagFacts} of every tag of a repository (GET /acr/v1/{repo}/_tags, paged by Link); {} for an unknown repository."""
    items = client.acr_listing(login_server, "/acr/v1/%s/_tags?n=100" % quote(repository, safe=""), repository, "tags",
                               "the tag list of %s" % repository,
                               lambda response: _refused(client, response, login_server, repository, "list the tags of %s" % repository, "metadata_read"))
    found = {}
    for item in itertools.islice(items, limit):
        attributes = item.get("changeableAttributes")
        if isinstance(item.get("name"), str) and isinstance(attributes, dict):
            found[item["name"]] = TagFacts(item.get("digest"), {k: v for k, v in attributes.items() if isinstance(v, bool)},
                                           item.get("createdTime"))
    return found


def list_manifests(client, login_server, repository, limit=10000, budget=None):
    """Every manifest of a repository as ACR lists it (GET /acr/v1/{repo}/_manifests, paged by Link): dicts with digest, tags,
    createdTime, references (an index's children), changeableAttributes. [] for an unknown repository. budget: a RequestBudget
    that counts every page, or None."""
    items = client.acr_listing(login_server, "/acr/v1/%s/_manifests?n=100" % quote(repository, safe=""), repository, "manifests",
                               "the manifest list of %s" % repository,
                               lambda response: _refused(client, response, login_server, repository, "list the manifests of %s" % repository, "metadata_read"),
                               budget)
    return [item for item in itertools.islice(items, limit) if isinstance(item.get("digest"), str)]


def subject_of(client, login_server, repository, digest):
    """The digest a manifest refers to (its OCI `subject`: a signature's, SBOM's or attestation's image), or None."""
    fetched = client.manifest(login_server, repository, digest)
    subject = fetched[2].get("subject") if fetched else None
    return subject.get("digest") if isinstance(subject, dict) else None


def delete_manifest(client, login_server, repository, digest):
    """DELETE /v2/{repo}/manifests/{digest} (ACR removes the tags on it too). A manifest already gone counts as deleted."""
    response = client.request("DELETE", login_server, "/v2/%s/manifests/%s" % (repository, digest), _scope(repository, "delete"))
    if response.status_code not in (200, 202, 404):
        raise _refused(client, response, login_server, repository, "delete the manifest %s@%s" % (repository, digest), "delete")
