# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Python packages every acrops.registry module needs (module_utils/python_requirements.py checks them first), written once."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods

    # ansible-doc takes a fragment only with options or attributes: it adds none of its own.
    DOCUMENTATION = r'''
options: {}
requirements:
  - azure-identity>=1.19
  - azure-mgmt-containerregistry>=15,<16
  - azure-mgmt-core>=1.4
  - azure-core>=1.30
  - requests>=2.31
notes:
  - On a Python that lacks one of the packages listed under requirements, the module fails before any request, naming the missing packages,
    the host and interpreter, and the C(pip install) command for that interpreter; install them there (C(pip install -r
    requirements.txt) in the collection's directory) or set C(ansible_python_interpreter) to a Python that has them. On the
    controller in the controller's own Python, where the task runs in-process, that Python is checked the same way.
'''
