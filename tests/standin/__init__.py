# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local, offline stand-in for the parts of Azure that acrops.registry talks to.

Real CNCF distribution registries hold the images, a trustme CA makes real TLS, and an aiohttp front answers
the way Azure Resource Manager, Entra ID, the ACR data plane and public source registries answered in the
recordings under shared/reference. See docs/standin.md for the contract.
"""

__version__ = "1.0.0"
