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
  - acrops.registry.attributes
  - acrops.registry.auth
  - acrops.registry.acr
  - acrops.registry.requirements
  - acrops.registry.retries
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
options:
  repository:
    description: The repository, e.g. V(app) or V(mirror/nginx). One of O(repository) and O(repositories) is required.
    type: str
  repositories:
    description:
      - Read the digest lists of every repository of the registry's catalog this filter keeps, instead of one repository's tags -
        for each, tag -> digest and the untagged digests (index children and referrers included), from C(/acr/v1/{repo}/_manifests),
        returned in RV(repositories). What a migration compares between two registries.
      - The catalog (C(/acr/v1/_catalog)) and each listing are read in pages; listing the catalog needs a role that allows it (AcrPull).
    type: dict
    suboptions:
      regex:
        description: Keep repositories whose path fully matches this regular expression (or one of a list).
        type: raw
      exclude:
        description: Drop repositories whose path fully matches this regular expression (or one of a list).
        type: raw
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

- name: The digest lists of every repository (tags and untagged manifests), e.g. to compare a migration's two registries
  acrops.registry.acr_image_info:
    registry: myregistry
    repositories: {regex: ".*"}
  register: digests

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
repositories:
  description: With O(repositories), one entry per repository, by name.
  returned: when O(repositories) is given
  type: list
  elements: dict
  contains:
    name: {description: Repository., type: str, returned: always}
    tags: {description: Tag -> digest., type: dict, returned: always}
    untagged: {description: The digests of the manifests without a tag (sorted)., type: list, elements: str, returned: always}
    manifests: {description: How many manifests the repository lists., type: int, returned: always}
  sample: [{name: app, tags: {"1.0": "sha256:0a1b...", latest: "sha256:0a1b..."}, untagged: ["sha256:9f8e..."], manifests: 2}]
images:
  description: One entry per tag (empty with O(repositories)).
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

from ansible_collections.acrops.registry.plugins.module_utils.acr_image_info_task import ARGUMENT_RULES, REQUIREMENTS, argument_spec, execute
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import run_module


def main():
    run_module(argument_spec(), ARGUMENT_RULES, execute, REQUIREMENTS)


if __name__ == "__main__":
    main()
