#!/usr/bin/python
# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: acr_import
short_description: Import container images into Azure Container Registry server-side, only when needed
version_added: 0.1.0
description:
  - Copies images into an Azure Container Registry (ACR) with ACR's C(importImage) operation. The bytes go from the source registry
    (Docker Hub, GHCR, quay, MCR, another ACR, any OCI registry) straight into ACR, never through the machine that runs Ansible.
  - Idempotent and digest-aware. Before importing it reads the source's manifest digest (one C(HEAD), which Docker Hub does not count
    against its pull limit) and the state of each target tag. It imports only the targets that are missing or, with O(force), hold
    another digest, and imports by digest so that what lands is what was planned. A tag that already holds the source digest is never
    imported again, even with O(force).
  - Without O(force), a target tag that holds another digest is left alone and reported as C(drifted). A locked tag
    (C(writeEnabled=false)) that would have to change fails the image before any import.
  - Check mode reports exactly what a real run would do; diff mode shows each target's digest before and after.
  - The batch form (O(images)) imports many images in one module run, concurrently, sharing credentials, token caches and connections.
author:
  - acrops.registry contributors (@acrops)
extends_documentation_fragment:
  - acrops.registry.auth
attributes:
  check_mode:
    support: full
    description: Reads the source and targets and reports the plan (C(would_import), C(would_overwrite)); makes no change.
  diff_mode:
    support: full
    description: Shows each target's digest before and after.
  idempotent:
    support: full
    description: A second run with the same input reports C(changed=false) and calls no import.
  action_group:
    description: Use C(group/acrops.registry.acr) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - acrops.registry.acr
options:
  registry:
    description: The name of the target registry (5-50 letters and digits), not its login server.
    type: str
    required: true
  resource_group:
    description: The target registry's resource group. When omitted it is found by listing the subscription's registries.
    type: str
  source:
    description:
      - The image to import, as users write it, normalised the way Docker does it. V(nginx:1.25) is
        C(docker.io/library/nginx:1.25); V(grafana/grafana:10.2.0), V(ghcr.io/org/app:v2), V(mcr.microsoft.com/dotnet/aspnet:8.0),
        V(myacr.azurecr.io/app@sha256:...) and V(repo:tag@sha256:...) (the digest is imported) all work.
      - With O(source_registry), only the image path inside that registry (V(app:1.2), V(team/app@sha256:...)).
      - Exactly one of O(source) and O(images) is required.
    type: str
  source_registry:
    description:
      - The source is an Azure Container Registry, given as ARM resource ID, name (same subscription) or login server. The import then
        authenticates with the caller's Entra identity (no registry credentials), across subscriptions when given by resource ID.
    type: str
  source_username:
    description: Username for the source registry. Requires O(source_password).
    type: str
  source_password:
    description: Password or token for the source registry. A token alone (without O(source_username)) is accepted. Never logged.
    type: str
  targets:
    description:
      - Target tags in the registry, as C(repo[:tag]); a target without a tag gets the source tag.
      - Default, the source repository without its registry host and without Docker Hub's C(library/), with the source tag
        (C(docker.io/library/nginx:1.25) becomes C(nginx:1.25)). A source given by digest only needs explicit targets.
    type: list
    elements: str
  untagged_repositories:
    description: Repositories that get a manifest-only copy (no tag).
    type: list
    elements: str
  force:
    description:
      - Overwrite target tags that hold another digest (a moved upstream tag). Only those targets are overwritten.
      - Without it such tags are reported as C(drifted) and left alone.
    type: bool
    default: false
  images:
    description:
      - The batch form; each entry takes O(source), O(targets), O(untagged_repositories), O(source_registry), O(source_username),
        O(source_password) and O(force) (defaulting to the module-level value) plus an optional C(label) echoed in its result.
      - One target fed by two different sources is an error.
    type: list
    elements: dict
    suboptions:
      source:
        description: As O(source).
        type: str
        required: true
      targets:
        description: As O(targets).
        type: list
        elements: str
      untagged_repositories:
        description: As O(untagged_repositories).
        type: list
        elements: str
      source_registry:
        description: As O(source_registry).
        type: str
      source_username:
        description: As O(source_username).
        type: str
      source_password:
        description: As O(source_password).
        type: str
      force:
        description: As O(force); defaults to the module-level O(force).
        type: bool
      label:
        description: A name for this entry, echoed in its result (the C(acr_mirror) role passes the inventory entry).
        type: str
  concurrency:
    description: How many images of O(images) are processed at once.
    type: int
    default: 8
  keep_going:
    description: With O(images), go on with the other images when one fails (the module still fails at the end).
    type: bool
    default: true
  wait:
    description: Wait for each import to finish and verify it. V(false) submits the import and returns its operation URL unverified.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for one import. A stuck import then fails with its operation URL; the next run reads the true state.
    type: int
    default: 900
  polling_interval:
    description: Seconds between polls of a running import when the service gives no retry hint (it normally does).
    type: int
    default: 5
seealso:
  - module: acrops.registry.acr_image_info
  - name: Import container images to a container registry
    description: ACR's import feature, its permissions and limits.
    link: https://learn.microsoft.com/azure/container-registry/container-registry-import-images
'''

EXAMPLES = r'''
- name: Mirror an official Docker Hub image (nginx:1.25 lands as nginx:1.25)
  acrops.registry.acr_import:
    registry: myregistry
    source: nginx:1.25

- name: Follow upstream - re-import when the tag moved on Docker Hub, with credentials to avoid its rate limit
  acrops.registry.acr_import:
    registry: myregistry
    source: docker.io/grafana/grafana:10.2.0
    targets: [mirror/grafana:10.2.0]
    source_username: "{{ dockerhub_user }}"
    source_password: "{{ dockerhub_token }}"
    force: true

- name: A private GHCR image, with a token alone
  acrops.registry.acr_import:
    registry: myregistry
    source: ghcr.io/my-org/app:v2
    source_password: "{{ ghcr_token }}"

- name: Several tags of one image, and a manifest-only copy
  acrops.registry.acr_import:
    registry: myregistry
    source: mcr.microsoft.com/dotnet/aspnet:8.0
    targets: [dotnet/aspnet:8.0, dotnet/aspnet:lts]
    untagged_repositories: [archive/aspnet]

- name: Promote a build from the dev ACR (same subscription) by digest
  acrops.registry.acr_import:
    registry: prodregistry
    source_registry: devregistry
    source: app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    targets: [app:1234, app:latest]
    force: true

- name: From an ACR in another subscription, by resource ID
  acrops.registry.acr_import:
    registry: prodregistry
    source_registry: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.ContainerRegistry/registries/devregistry
    source: app:1234

- name: Many images in one run, eight at a time
  acrops.registry.acr_import:
    registry: myregistry
    force: true
    images:
      - source: redis:7
      - source: postgres:16
      - source: quay.io/prometheus/prometheus:v2.48.0
        targets: [prometheus:v2.48.0]
  register: mirror

- name: Set authentication once for every module of the collection
  module_defaults:
    group/acrops.registry.acr:
      cloud_environment: AzureCloud
      subscription_id: "{{ subscription }}"
  block:
    - name: Import
      acrops.registry.acr_import:
        registry: myregistry
        source: alpine:3.19
'''

RETURN = r'''
changed:
  description: Whether anything was (or, in check mode, would be) imported.
  returned: always
  type: bool
source:
  description: The canonical source reference.
  returned: single form
  type: str
  sample: docker.io/library/nginx:1.25
source_digest:
  description: The source's manifest digest, as read before importing (null when the source cannot be read from here).
  returned: single form
  type: str
  sample: sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31
registry:
  description: The target registry.
  returned: always
  type: dict
  contains:
    name: {description: Registry name., type: str, returned: always}
    resource_group: {description: Resource group., type: str, returned: always}
    login_server: {description: "Login server (read from Resource Manager).", type: str, returned: always}
    subscription_id: {description: Subscription., type: str, returned: always}
targets:
  description: One entry per target tag.
  returned: single form
  type: list
  elements: dict
  contains:
    name: {description: C(repo:tag)., type: str, returned: always}
    before: {description: Digest before (null = absent)., type: str, returned: always}
    after: {description: Digest after (read back after the import)., type: str, returned: always}
    action:
      description: One of C(imported), C(overwritten), C(unchanged), C(drifted), C(would_import), C(would_overwrite), C(locked), C(failed).
      type: str
      returned: always
untagged:
  description: One entry per untagged repository, like O(targets).
  returned: single form
  type: list
  elements: dict
import_mode:
  description: C(NoForce) or C(Force) as sent to ACR, or null when nothing was imported.
  returned: single form
  type: str
operation_url:
  description: The URL of the import operation (always with O(wait=false)).
  returned: when an import was submitted
  type: str
verified:
  description: Whether every imported target was read back holding the source digest.
  returned: when an import ran
  type: bool
actions:
  description: What was done (or would be), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["Imported docker.io/library/nginx:1.25 (sha256:0d17b565c37b) as nginx:1.25"]
results:
  description: One result per O(images) entry, each shaped like the single form's result (plus C(label), C(failed), C(msg)).
  returned: batch form
  type: list
  elements: dict
counts:
  description: Target counts per action over the batch, plus C(failed), C(images) and C(changed_images).
  returned: batch form
  type: dict
  sample: {imported: 3, overwritten: 1, unchanged: 7, drifted: 0, failed: 0, images: 11, changed_images: 4}
elapsed:
  description: Seconds the run took.
  returned: always
  type: float
'''

import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acrops.registry.plugins.module_utils import importer, image_requests, planner
from ansible_collections.acrops.registry.plugins.module_utils.arm import (
    LOGIN_SERVER, REGISTRY_NAME, RESOURCE_GROUP, SUBSCRIPTION_ID, TENANT, parse_registry_id)
from ansible_collections.acrops.registry.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.acrops.registry.plugins.module_utils.clients import build, validate_auth
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor

MAX_TEXT = 1024      # no name, reference, label or username is longer (image references stop at 1024 characters too)
MAX_SECRET = 65536   # passwords and tokens: an Entra access token given as a password is a few KB
SECRET_OPTIONS = frozenset(("source_password", "secret"))
# Control characters, and invisible ones (zero-width, bidirectional overrides): never part of a name, reference or label.
HIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
IMAGE_KEYS = ("source", "targets", "untagged_repositories", "source_registry", "source_username", "source_password", "force")
VERBS = {planner.IMPORTED: "Imported", planner.OVERWRITTEN: "Overwrote", planner.WOULD_IMPORT: "Would import",
         planner.WOULD_OVERWRITE: "Would overwrite"}


def argument_spec():
    spec = dict(
        registry=dict(type="str", required=True),
        resource_group=dict(type="str"),
        source=dict(type="str"),
        source_registry=dict(type="str"),
        source_username=dict(type="str"),
        source_password=dict(type="str", no_log=True),
        targets=dict(type="list", elements="str"),
        untagged_repositories=dict(type="list", elements="str"),
        force=dict(type="bool", default=False),
        images=dict(type="list", elements="dict", options=dict(
            source=dict(type="str", required=True),
            targets=dict(type="list", elements="str"),
            untagged_repositories=dict(type="list", elements="str"),
            source_registry=dict(type="str"),
            source_username=dict(type="str"),
            source_password=dict(type="str", no_log=True),
            force=dict(type="bool"),
            label=dict(type="str"),
        )),
        concurrency=dict(type="int", default=8),
        keep_going=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=900),
        polling_interval=dict(type="int", default=5),
    )
    spec.update(AUTH_ARGUMENT_SPEC)
    return spec


def action_lines(result):
    lines = []
    for target in result.get("targets", []) + result.get("untagged", []):
        verb = VERBS.get(target["action"])
        if verb:
            lines.append("%s %s (%s) as %s" % (verb, result["source"], (result.get("source_digest") or "digest unknown")[:19], target["name"]))
    return lines


def diff_of(results):
    before, after = {}, {}
    for result in results:
        for target in result.get("targets", []) + result.get("untagged", []):
            before[target["name"]] = target["before"]
            after[target["name"]] = target["after"]
    return {"before": {"targets": before}, "after": {"targets": after}}


def show(text):
    """A value quoted for a message: ascii() reveals look-alike and invisible characters; long values are cut."""
    return "%s... (%d characters)" % (ascii(text[:60]), len(text)) if len(text) > 80 else ascii(text)


def check_strings(value, path="", key=""):
    """Every string option, nested ones included: bounded length and, except secrets, no control or invisible characters.

    Checked first, so that no later message echoes a 10 MB value and nothing hostile reaches a URL or a report."""
    if isinstance(value, dict):
        for name, item in value.items():
            check_strings(item, "%s.%s" % (path, name) if path else name, name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_strings(item, "%s[%d]" % (path, index), key)
    elif isinstance(value, str):
        if key in SECRET_OPTIONS:
            if len(value) > MAX_SECRET:
                raise AcrOpsError("%s is %d characters long: no password or token is longer than %d; check what the variable holds"
                                  % (path, len(value), MAX_SECRET))
            return
        if len(value) > MAX_TEXT:
            raise AcrOpsError("%s is %d characters long: no name, reference or label is longer than %d; check what the variable holds"
                              % (path, len(value), MAX_TEXT))
        bad = HIDDEN_CHARACTERS.search(value)
        if bad:
            raise AcrOpsError("%s %s contains the control or invisible character %s at position %d: remove it (names, references and "
                              "labels never contain one)" % (path, show(value), ascii(bad.group()), bad.start()))


def check_source_registry(text, where):
    parsed = parse_registry_id(text)
    if parsed:
        valid = SUBSCRIPTION_ID.match(parsed[0]) and RESOURCE_GROUP.match(parsed[1]) and REGISTRY_NAME.match(parsed[2])
    elif "." in text:
        valid = LOGIN_SERVER.match(text)
    else:
        valid = REGISTRY_NAME.match(text)
    if not valid:
        raise AcrOpsError("%s %s is not a registry name, login server or resource ID: write e.g. 'devregistry', 'devregistry.azurecr.io' "
                          "or '/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>'"
                          % (where, show(text)))


class AcrImport:
    """Validate everything, then build clients once, resolve registries, and run the images."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.redactor = Redactor([self.params.get("secret"), self.params.get("source_password")]
                                 + [i.get("source_password") for i in self.params.get("images") or []])

    def validate(self):
        params = self.params
        check_strings(params)
        if not REGISTRY_NAME.match(params["registry"] or ""):
            raise AcrOpsError("registry %s is not a registry name: use the 5-50 letters and digits of its name (not the login server, "
                              "e.g. 'myregistry', not 'myregistry.azurecr.io')" % show(params["registry"] or ""))
        if params.get("resource_group") is not None and not RESOURCE_GROUP.match(params["resource_group"]):
            raise AcrOpsError("resource_group %s is not a resource group name: write its 1-90 letters, digits, '_', '-', '.', '(' and ')' "
                              "(not ending with '.'), e.g. 'rg-mirror'" % show(params["resource_group"]))
        for key, minimum in (("concurrency", 1), ("timeout", 1), ("polling_interval", 1)):
            if params[key] < minimum:
                raise AcrOpsError("%s must be at least %d" % (key, minimum))
        settings = validate_auth(params)
        # These end up in Resource Manager and Entra URLs: only well-formed values leave this machine.
        if settings.subscription_id and not SUBSCRIPTION_ID.match(settings.subscription_id):
            raise AcrOpsError("subscription_id %s is not a subscription ID: write its GUID, e.g. '00000000-0000-0000-0000-000000000000' "
                              "(az account show --query id)" % show(settings.subscription_id))
        if settings.tenant and not TENANT.match(settings.tenant):
            raise AcrOpsError("tenant %s is not a tenant: write its GUID or its domain, e.g. 'contoso.onmicrosoft.com'" % show(settings.tenant))
        if params.get("source_registry"):
            check_source_registry(params["source_registry"], "source_registry")
        for index, image in enumerate(params.get("images") or []):
            if isinstance(image, dict) and image.get("source_registry"):
                check_source_registry(image["source_registry"], "images[%d].source_registry" % index)
        if params.get("images") is not None:
            if not params["images"]:
                raise AcrOpsError("images is an empty list: list at least one image, or use source")
            defaults = dict((k, params.get(k)) for k in ("source_registry", "source_username", "source_password", "force"))
            pending = image_requests.validate_batch(params["images"], defaults)
        else:
            pending = [image_requests.validate_image(dict((k, params.get(k)) for k in IMAGE_KEYS), {}, "source")]
        return settings, pending

    def resolve(self, clients, pending):
        """Resolve source ACRs (name / login server / resource ID) and ACR-hosted sources to registries."""
        resolved = []
        acr_suffix = "." + clients.cloud.acr_suffix if clients.cloud.acr_suffix else None
        for item in pending:
            source_acr, ref = None, item.source
            if item.source_registry:
                source_acr = clients.arm.resolve_registry(item.source_registry)
                ref = image_requests.bind_source_registry(ref, source_acr.login_server)
            elif acr_suffix and ref.registry.endswith(acr_suffix) and not item.password:
                # Like az acr import: an ACR of this subscription is imported by resource ID with Entra auth.
                matches = [r for r in clients.arm.list_registries() if (r.login_server or "").lower() == ref.registry.lower()]
                source_acr = matches[0] if matches else None
            if source_acr is not None:
                clients.registry_client.add_acr(source_acr.login_server)
            resolved.append(importer.ImageRequest(ref, source_acr, item.username, item.password, item.tags,
                                                  item.untagged, item.force, item.label))
        return resolved

    def run(self):
        started = time.time()
        settings, pending = self.validate()
        params = self.params
        clients = build(params, self.redactor, settings, pool_size=max(8, params["concurrency"] * 2))
        target = clients.arm.get_registry(params["registry"], params.get("resource_group"))
        clients.registry_client.add_acr(target.login_server)
        requests = self.resolve(clients, pending)
        ctx = importer.Context(clients.arm, clients.registry_client, target, self.redactor, self.module.check_mode,
                               params["wait"], params["timeout"])
        results = importer.run_batch(ctx, requests, params["concurrency"], params["keep_going"])
        registry = {"name": target.name, "resource_group": target.resource_group, "login_server": target.login_server,
                    "subscription_id": target.subscription_id}
        output = {"changed": any(r.get("changed") for r in results), "registry": registry,
                  "actions": [line for r in results for line in action_lines(r)], "diff": diff_of(results)}
        if params.get("images") is not None:
            output.update(results=results, counts=importer.count(results))
        else:
            output.update(results[0])
            output.pop("label", None)
            output.pop("warnings", None)  # main() reports each one through module.warn(): once, not twice
        output["elapsed"] = round(time.time() - started, 3)
        return self.redactor.scrub_data(output), results


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("source", "images")],
        required_one_of=[("source", "images")],
        supports_check_mode=True,
    )
    runner = AcrImport(module)
    try:
        output, results = runner.run()
    except AcrOpsError as exc:
        module.fail_json(msg=runner.redactor.scrub(str(exc)), error_code=exc.code, changed=False)
    for result in results:
        for warning in result.get("warnings") or []:
            module.warn(runner.redactor.scrub("%s: %s" % (result["source"], warning)))
    if not module._diff:  # pylint: disable=protected-access
        output.pop("diff", None)
    failed = [r for r in results if r.get("failed")]
    if failed:
        output.pop("failed", None)
        msg = output.pop("msg", None) if len(results) == 1 else "%d of %d images failed: %s" % (
            len(failed), len(results), "; ".join("%s: %s" % (r["source"], r.get("msg")) for r in failed[:10]))
        module.fail_json(msg=runner.redactor.scrub(msg), **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
