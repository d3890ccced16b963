# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""importImage: request validation (synchronous 400s) and the life of one operation (the background copy).

Failure texts are the service's, from FACTS.md: "Operation registries-<id> failed. Resource <registry id> <detail>".
"""

import asyncio
import logging
import re

from .responses import iso_now

LOG = logging.getLogger("standin.imports")
# The distribution reference grammar for repository paths (lowercase components separated by '/').
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
REPO_RE = re.compile(r"^%s(?:/%s)*$" % (COMPONENT, COMPONENT))
TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
HEX64_RE = re.compile(r"^[a-f0-9]{64}$")
DOCKERHUB_NAMES = ("docker.io", "index.docker.io", "registry.hub.docker.com", "registry-1.docker.io")


class ImportFailure(Exception):
    """An import that ends in Failed; str() is the <detail> part of the service's message."""


class ImportRequest:
    def __init__(self):
        self.registry_uri = None
        self.resource_id = None
        self.username = None
        self.password = None
        self.has_credentials = False
        self.source_image = None
        self.repo = None
        self.tag = None
        self.digest = None
        self.target_tags = []      # [(repo, tag)]
        self.untagged = []         # [repo]
        self.mode = "NoForce"

    @property
    def reference(self):
        return self.digest or self.tag

    def first_target(self):
        return "%s:%s" % self.target_tags[0] if self.target_tags else None

    def source_host(self):
        """The registryUri as a host name (scheme and path dropped, lowercase)."""
        text = (self.registry_uri or "").strip().lower()
        text = re.sub(r"^[a-z]+://", "", text)
        return text.split("/", 1)[0]


def _valid_repo(name):
    return bool(REPO_RE.match(name)) and len(name) <= 255 and not HEX64_RE.match(name)


def parse_reference(text):
    """'repo', 'repo:tag' or 'repo@sha256:...' -> (repo, tag, digest, error)."""
    repo, tag, digest = text, None, None
    if "@" in repo:
        repo, digest = repo.split("@", 1)
        if not DIGEST_RE.match(digest):
            return None, None, None, "The digest '%s' in source image '%s' is not valid." % (digest, text)
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = repo.rsplit(":", 1)
        if not TAG_RE.match(tag):
            return None, None, None, "The tag '%s' in '%s' is not valid." % (tag, text)
    if tag and digest:
        return None, None, None, "The source image '%s' must not specify both a tag and a digest." % text
    if not _valid_repo(repo):
        return None, None, None, "The repository name '%s' in '%s' is not valid." % (repo, text)
    return repo, tag, digest, None


def parse_import(body):
    """Validate an ImportImageParameters body; return (ImportRequest, error message)."""
    # pylint: disable=too-many-return-statements,too-many-branches  # one early return per rule reads best here
    if not isinstance(body, dict):
        return None, "The request body must be an ImportImageParameters object."
    source = body.get("source")
    if not isinstance(source, dict):
        return None, "The 'source' parameter is required."
    parsed = ImportRequest()
    parsed.source_image = source.get("sourceImage")
    if not isinstance(parsed.source_image, str) or not parsed.source_image.strip():
        return None, "The 'source.sourceImage' parameter is required."
    parsed.resource_id = source.get("resourceId")
    parsed.registry_uri = source.get("registryUri")
    if parsed.resource_id and parsed.registry_uri:
        return None, "Only one of 'source.resourceId' and 'source.registryUri' may be specified."
    if not parsed.resource_id and not parsed.registry_uri:
        return None, "One of 'source.resourceId' or 'source.registryUri' must be specified."
    credentials = source.get("credentials")
    if credentials is not None:
        if not isinstance(credentials, dict) or not credentials.get("password"):
            return None, "The 'source.credentials.password' parameter is required when credentials are given."
        parsed.has_credentials = True
        parsed.username = credentials.get("username")
        parsed.password = credentials["password"]
    repo, tag, digest, problem = parse_reference(parsed.source_image.strip())
    if problem:
        return None, problem
    parsed.repo, parsed.digest = repo, digest
    parsed.tag = tag if (tag or digest) else "latest"
    targets = body.get("targetTags")
    untagged = body.get("untaggedTargetRepositories")
    for name, value in (("targetTags", targets), ("untaggedTargetRepositories", untagged)):
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            return None, "The '%s' parameter must be a list of strings." % name
    for text in targets or []:
        target_repo, target_tag, target_digest, problem = parse_reference(text)
        if problem or target_digest:
            return None, problem or "The target tag '%s' must not contain a digest." % text
        parsed.target_tags.append((target_repo, target_tag or parsed.tag or "latest"))
    for text in untagged or []:
        if not _valid_repo(text):
            return None, "The untagged target repository '%s' is not valid." % text
        parsed.untagged.append(text)
    if not parsed.target_tags and not parsed.untagged:
        return None, "At least one of 'targetTags' or 'untaggedTargetRepositories' must be specified."
    mode = body.get("mode")
    if mode is None:
        parsed.mode = "NoForce"
    elif isinstance(mode, str) and mode.lower() in ("noforce", "force"):
        parsed.mode = "Force" if mode.lower() == "force" else "NoForce"
    else:
        return None, "The value '%s' is not valid for 'mode'. Allowed values: NoForce, Force." % (mode,)
    return parsed, None


class Operation:
    def __init__(self, op_id, registry, request, principal):
        self.name = "registries-%s" % op_id
        self.registry = registry
        self.request = request
        self.principal = principal
        self.status = "Accepted"
        self.detail = None
        self.created = iso_now()
        self.task = None

    def failure_message(self):
        return "Operation %s failed. Resource %s %s" % (self.name, self.registry.id, self.detail)

    def describe(self):
        return {"name": self.name, "registry": self.registry.name, "status": self.status, "detail": self.detail,
                "source": self.request.source_image, "registry_uri": self.request.registry_uri,
                "resource_id": self.request.resource_id, "targets": ["%s:%s" % t for t in self.request.target_tags],
                "untagged": list(self.request.untagged), "mode": self.request.mode, "created": self.created}


class Importer:
    """Runs each operation as an asyncio task: checks, import behaviour controls, then the copier."""

    def __init__(self, world, copier):
        self.world = world
        self.copier = copier
        self.tasks = set()

    def start(self, operation):
        self.world.counters.imports["started"] += 1
        task = asyncio.get_running_loop().create_task(self._run(operation))
        operation.task = task
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, operation):
        counters = self.world.counters
        counters.imports_running += 1
        counters.imports_peak = max(counters.imports_peak, counters.imports_running)
        try:
            await self._attempt(operation)
            operation.status = "Succeeded"
            self.world.counters.imports["succeeded"] += 1
        except ImportFailure as failure:
            operation.detail = str(failure)
            operation.status = "Failed"
            self.world.counters.imports["failed"] += 1
        except Exception as exc:  # pylint: disable=broad-exception-caught  # any bug must still end the operation
            LOG.exception("import %s crashed", operation.name)
            operation.detail = "Error copying blobs (%s: %s)" % (type(exc).__name__, exc)
            operation.status = "Failed"
            self.world.counters.imports["failed"] += 1
        finally:
            counters.imports_running -= 1

    async def _attempt(self, operation):
        """An import held for behaviour.delay seconds in total, as ACR's take their time: the copy runs inside that time
        (not after it, which would bunch every copy of a wave at its end, on the CPUs the client shares here) and the tags
        appear when it ends."""
        behaviour = self.world.behaviour
        loop = asyncio.get_running_loop()
        ends = loop.time() + behaviour.delay
        plan = await self.copier.plan(operation)          # resolves the source, checks NoForce and locks: no copy yet
        while behaviour.stuck:                            # hangs (Azure/acr#617) until a test releases it (stuck=false or reset)
            await asyncio.sleep(0.05)
            ends = loop.time() + behaviour.delay
        failure = behaviour.permanent_failure
        if not failure and behaviour.fail_times > 0:
            behaviour.fail_times -= 1
            failure = behaviour.fail_message or "Error copying blobs"
        if not failure:
            await self.copier.stage(plan)
        await asyncio.sleep(max(0.0, ends - loop.time()))
        if failure:
            raise ImportFailure(failure)
        await self.copier.publish(plan)

    async def shutdown(self):
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
