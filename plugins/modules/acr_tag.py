#!/usr/bin/python
# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: acr_tag
short_description: Lock, unlock or delete tags of an Azure Container Registry repository
version_added: 0.2.0
description:
  - Sets the changeable attributes of existing tags (O(write_enabled), O(delete_enabled), O(read_enabled), O(list_enabled)) or
    deletes tags (O(state=absent)), through the ACR data plane with the caller's Entra identity.
  - A tag with C(writeEnabled=false) can be neither overwritten nor deleted; C(deleteEnabled=false) refuses deletes only. Locking a
    release tag makes it write-once; C(acrops.registry.acr_import) does it after an import with its C(lock) option.
  - Never creates a tag (C(acrops.registry.acr_import) does); O(state=present) for a tag that does not exist fails.
  - Deleting a tag removes the tag only; its manifest stays (untagged when no other tag points at it).
  - Every tag is read before the first change; a tag to change that does not exist, or a tag to delete that is locked, fails the
    task with nothing changed. A locked tag is deleted only when the same task unlocks it (O(write_enabled=true) and
    O(delete_enabled=true)).
  - Needs data-plane permissions an importing identity may not hold; a refusal names the roles (registry-wide RBAC and ABAC
    repository roles).
author:
  - acrops.registry contributors (@acrops)
extends_documentation_fragment:
  - acrops.registry.attributes
  - acrops.registry.auth
  - acrops.registry.acr
  - acrops.registry.requirements
attributes:
  check_mode:
    support: full
    description: Reads the tags and reports what would change (C(tags[].action)); makes no change.
  diff_mode:
    support: full
    description: Shows each tag's digest and attributes before and after; a deleted tag is gone from the after side.
  idempotent:
    support: full
    description: Reads the attributes first and changes only those that differ; deleting a tag that is gone changes nothing.
options:
  repository:
    description: The repository, e.g. V(app) or V(mirror/nginx).
    type: str
    required: true
  tags:
    description: The tags to change (at most 100).
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) sets the given attributes on tags that must exist; V(absent) deletes the tags (a tag already gone is fine).
    type: str
    choices: [present, absent]
    default: present
  write_enabled:
    description: C(writeEnabled). V(false) locks the tag against overwrites and deletes. Unset leaves it as it is.
    type: bool
  delete_enabled:
    description: C(deleteEnabled). V(false) refuses deletes of the tag. Unset leaves it as it is.
    type: bool
  read_enabled:
    description: C(readEnabled). V(false) refuses pulls of the tag. Unset leaves it as it is.
    type: bool
  list_enabled:
    description: C(listEnabled). V(false) hides the tag from listings. Unset leaves it as it is.
    type: bool
notes:
  - Permissions. Changing attributes needs metadata write (AcrPush in the registry's C(RBAC Registry Permissions) mode; Container
    Registry Repository Writer or Contributor in C(RBAC Registry + ABAC Repository Permissions) mode). Deleting needs delete (AcrDelete,
    or Container Registry Repository Contributor in ABAC mode, where AcrPull, AcrPush and AcrDelete are not honoured). An ABAC
    condition can limit either role to some repositories. A refusal names the roles of the registry's mode (its C(roleAssignmentMode),
    read from Resource Manager).
seealso:
  - module: acrops.registry.acr_import
  - module: acrops.registry.acr_image_info
  - name: Lock a container image in an Azure container registry
    description: What writeEnabled, deleteEnabled, readEnabled and listEnabled do.
    link: https://learn.microsoft.com/azure/container-registry/container-registry-image-lock
'''

EXAMPLES = r'''
- name: Make release 1.4.2 write-once
  acrops.registry.acr_tag:
    registry: prodregistry
    repository: app
    tags: ["1.4.2"]
    write_enabled: false
    delete_enabled: false

- name: Delete old tags (their manifests stay, untagged)
  acrops.registry.acr_tag:
    registry: myregistry
    repository: mirror/nginx
    tags: ["1.23", "1.24"]
    state: absent

- name: Delete a locked tag on purpose (unlocked, then deleted, in one task)
  acrops.registry.acr_tag:
    registry: myregistry
    repository: app
    tags: ["0.9.0"]
    state: absent
    write_enabled: true
    delete_enabled: true
'''

RETURN = r'''
registry:
  description: The registry changed.
  returned: success
  type: dict
  sample: {name: prodregistry, resource_group: rg-prod, login_server: prodregistry.azurecr.io, subscription_id: "0000"}
repository:
  description: The repository.
  returned: success
  type: str
  sample: app
tags:
  description: One entry per tag, in the order given (duplicates once).
  returned: success
  type: list
  elements: dict
  contains:
    tag: {description: Tag., type: str, returned: always}
    reference: {description: C(login_server/repository:tag)., type: str, returned: always}
    digest: {description: The digest the tag held (null when it did not exist)., type: str, returned: always}
    action:
      description: V(updated), V(deleted), V(unchanged), or V(absent) (nothing to delete). The same in check mode, where nothing changed.
      type: str
      returned: always
    before:
      description: The tag's changeable attributes before (C(writeEnabled), C(deleteEnabled), C(readEnabled), C(listEnabled)); null when absent.
      type: dict
      returned: always
    after: {description: The attributes after; null when the tag is deleted or absent., type: dict, returned: always}
'''

from ansible_collections.acrops.registry.plugins.module_utils.acr_tag_task import ARGUMENT_RULES, REQUIREMENTS, argument_spec, execute
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import run_module


def main():
    run_module(argument_spec(), ARGUMENT_RULES, execute, REQUIREMENTS)


if __name__ == "__main__":
    main()
