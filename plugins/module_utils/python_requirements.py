# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Python packages a module needs, checked before it does anything: a Python without them (interpreter discovery picking
the system python3, a remote host, an execution environment built without them) is the user's setup to fix, not a bug.

Checked with importlib.util.find_spec, which finds a package without importing it: the Azure SDKs cost ~0.2 s to import and
are imported only once a run needs them.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys

from ansible.module_utils.basic import missing_required_lib

# (what pip installs, with requirements.txt's bounds; a module it provides). Keep in step with requirements.txt (a unit test
# compares them). acr_import and acr_image_info both find their registry through Resource Manager: they need all of them.
AZURE_MODULES = (
    ("azure-identity>=1.19", "azure.identity"),
    ("azure-mgmt-containerregistry>=15,<16", "azure.mgmt.containerregistry"),
    ("azure-mgmt-core>=1.4", "azure.mgmt.core"),
    ("azure-core>=1.30", "azure.core"),
    ("requests>=2.31", "requests"),
)


def package_name(requirement):
    """'azure-mgmt-containerregistry>=15,<16' -> 'azure-mgmt-containerregistry'."""
    for index, character in enumerate(requirement):
        if character in "<>=!~; [":
            return requirement[:index]
    return requirement


def importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # find_spec imports the parent packages: a missing parent raises
        return False


def missing(requirements):
    """The requirements (as pip writes them) whose module this Python cannot import."""
    return [requirement for requirement, module in requirements if not importable(module)]


def missing_message(requirements, module_name):
    """None when this Python has every requirement; else Ansible's missing_required_lib message (which packages, on which host's
    Python at which path) and how to fix it: the pip command for this very interpreter, or another ansible_python_interpreter."""
    absent = missing(requirements)
    if not absent:
        return None
    return install_advice(", ".join(package_name(r) for r in absent), module_name, absent)


def install_advice(library, module_name, requirements):
    text = missing_required_lib(library, reason="by %s" % module_name)
    return ("%s. Install what is missing into that Python: %s -m pip install %s (or pip install -r requirements.txt from the "
            "collection's directory, ansible_collections/acrops/registry), or set ansible_python_interpreter to a Python that has it"
            % (text.rstrip("."), shlex.quote(sys.executable), " ".join(shlex.quote(r) for r in requirements)))


def missing_library_message(exc):
    """The message for an ImportError raised during a run that names a third-party module (a package installed without one
    of its own dependencies, say azure-identity without msal), else None (this collection's or Ansible's: a bug)."""
    name = getattr(exc, "name", None) or ""
    if not isinstance(exc, ImportError) or not name or name == "ansible" or name.startswith(("ansible.", "ansible_collections.")):
        return None
    known = [requirement for requirement, module in AZURE_MODULES if name == module or name.startswith(module + ".")]
    requirement = known[0] if known else name.split(".", 1)[0]
    return install_advice(package_name(requirement), "this module", [requirement])
