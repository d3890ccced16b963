# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The options that name one registry (acr_image_info, acr_tag), written once."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  registry:
    description: The registry name (5-50 letters and digits).
    type: str
    required: true
  resource_group:
    description: The registry's resource group; found by listing the subscription when omitted.
    type: str
'''
