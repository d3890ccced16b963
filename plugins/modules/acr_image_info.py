#!/usr/bin/python
# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: acr_image_info
short_description: Read tags and digests of an Azure Container Registry repository
version_added: 0.1.0
description:
  - Reads a repository's tags (or the given ones) with their digests, timestamps and lock state through the ACR data plane,
    authenticating with the caller's Entra identity. Use it to resolve "which digest is dev's build 1234" before a promotion.
  - Reads only; safe in check mode.
author:
  - acrops.registry contributors (@acrops)
extends_documentation_fragment:
  - acrops.registry.auth
attributes:
  check_mode:
    support: full
    description: Runs normally; it changes nothing.
  diff_mode:
    support: none
    description: Nothing to diff.
  idempotent:
    support: full
    description: Reads only.
  action_group:
    description: Use C(group/acrops.registry.acr) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - acrops.registry.acr
options:
  registry:
    description: The registry name (5-50 letters and digits).
    type: str
    required: true
  resource_group:
    description: The registry's resource group; found by listing the subscription when omitted.
    type: str
  repository:
    description: The repository, e.g. V(app) or V(mirror/nginx).
    type: str
    required: true
  tags:
    description: Only these tags. A tag that does not exist is returned with C(exists=false) (and fails the task with O(must_exist)).
    type: list
    elements: str
  must_exist:
    description: Fail when one of O(tags) does not exist (a promotion must not promote a missing build).
    type: bool
    default: false
  limit:
    description: At most this many tags when O(tags) is not given.
    type: int
    default: 1000
seealso:
  - module: acrops.registry.acr_import
'''

EXAMPLES = r'''
- name: Which digest is build 1234 in dev?
  acrops.registry.acr_image_info:
    registry: devregistry
    repository: app
    tags: ["1234"]
    must_exist: true
  register: dev_build

- name: Promote exactly that digest
  acrops.registry.acr_import:
    registry: prodregistry
    source_registry: devregistry
    source: "app@{{ dev_build.images[0].digest }}"
    targets: [app:1234, app:latest]
    force: true

- name: Every tag of a mirrored repository
  acrops.registry.acr_image_info:
    registry: myregistry
    repository: nginx
  register: nginx_tags
'''

RETURN = r'''
registry:
  description: The registry read.
  returned: always
  type: dict
  sample: {name: devregistry, resource_group: rg-dev, login_server: devregistry.azurecr.io, subscription_id: "0000"}
images:
  description: One entry per tag.
  returned: always
  type: list
  elements: dict
  contains:
    repository: {description: Repository., type: str, returned: always}
    tag: {description: Tag., type: str, returned: always}
    reference: {description: C(login_server/repository:tag)., type: str, returned: always}
    digest: {description: Manifest digest (null when the tag does not exist)., type: str, returned: always}
    exists: {description: Whether the tag exists., type: bool, returned: always}
    locked: {description: Whether the tag is locked (C(writeEnabled=false))., type: bool, returned: always}
    created: {description: Creation time., type: str, returned: when the tag exists}
    updated: {description: Last update time., type: str, returned: when the tag exists}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acrops.registry.plugins.module_utils import reference
from ansible_collections.acrops.registry.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.acrops.registry.plugins.module_utils.clients import build
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor, show
from ansible_collections.acrops.registry.plugins.module_utils.validation import REGISTRY_NAME, validate_auth


def image(login_server, repository, tag, state):
    entry = {"repository": repository, "tag": tag, "reference": "%s/%s:%s" % (login_server, repository, tag),
             "digest": state.digest if state else None, "exists": state is not None, "locked": bool(state and state.locked)}
    if state:
        entry.update(created=state.created, updated=state.updated)
    return entry


def run(module, redactor):
    params = module.params
    if not REGISTRY_NAME.match(params["registry"] or ""):
        raise AcrOpsError("registry %s is not a registry name: use its 5-50 letters and digits (not the login server)" % show(params["registry"] or ""))
    if params["limit"] < 1:
        raise AcrOpsError("limit must be at least 1")
    try:
        repository = reference.parse_repository_path(params["repository"])
        tags = [reference.parse_target("%s:%s" % (repository, t), None)[1] for t in params.get("tags") or []]
    except ValueError as exc:
        raise AcrOpsError("invalid repository or tag: %s" % show(str(exc))) from None
    settings = validate_auth(params)
    clients = build(params, redactor, settings)
    target = clients.arm.get_registry(params["registry"], params.get("resource_group"))
    client = clients.registry_client
    client.add_acr(target.login_server)
    if params.get("tags"):
        images = [image(target.login_server, repository, t, client.acr_tag(target.login_server, repository, t)) for t in tags]
    else:
        images = [image(target.login_server, repository, name, state) for name, state in client.acr_tags(target.login_server, repository, params["limit"])]
    registry = {"name": target.name, "resource_group": target.resource_group, "login_server": target.login_server,
                "subscription_id": target.subscription_id}
    missing = [i["tag"] for i in images if not i["exists"]]
    if missing and params["must_exist"]:
        raise AcrOpsError("%s/%s has no tag %s" % (target.login_server, repository, ", ".join(missing)),
                          hint="check the build id; nothing was promoted")
    return {"changed": False, "registry": registry, "images": images}


def main():
    spec = dict(
        registry=dict(type="str", required=True),
        resource_group=dict(type="str"),
        repository=dict(type="str", required=True),
        tags=dict(type="list", elements="str"),
        must_exist=dict(type="bool", default=False),
        limit=dict(type="int", default=1000),
    )
    spec.update(AUTH_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    redactor = Redactor([module.params.get("secret")])
    try:
        module.exit_json(**redactor.scrub_data(run(module, redactor)))
    except AcrOpsError as exc:
        module.fail_json(msg=redactor.scrub(str(exc)), error_code=exc.code)


if __name__ == "__main__":
    main()
