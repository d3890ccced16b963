# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Planted secrets and a failing client factory, shared by the runner's tests as a module (modules/test_module_runner.py)
and in-process (plugin_utils/test_in_process_action.py): a secret found in a result means the redactor was bypassed."""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import acr_image_info_task, acr_import_task, acr_tag_task

SECRET = "Planted-Secret-5e1f-do-not-print"       # a no_log option's value: AnsibleModule masks it too
TOKEN = "Planted-Token-9a7c-learned-at-run-time"  # a token the run learns on the way: only the redactor knows it
AUTH = dict(subscription_id="00000000-1111-2222-3333-444444444444", tenant="contoso.onmicrosoft.com",
            client_id="00000000-aaaa-bbbb-cccc-dddddddddddd", secret=SECRET)
# module name -> (its task, the client factory the task calls first once the arguments are valid, valid arguments)
TASKS = {
    "acr_import": (acr_import_task, "connect_registries", dict(AUTH, registry="myregistry", source="nginx:1.25")),
    "acr_image_info": (acr_image_info_task, "build", dict(AUTH, registry="myregistry", repository="mirror/nginx")),
    "acr_tag": (acr_tag_task, "build", dict(AUTH, registry="myregistry", repository="mirror/nginx", tags=["1"], write_enabled=False)),
}


def failing_factory(error):
    """A client factory that learns a token (as connecting would) and then raises `error` naming both planted secrets."""
    def factory(params, redactor, *args, **kwargs):
        redactor.add(TOKEN)
        raise error("a failure holding %s, %s and Authorization: Bearer abcdefgh12345678" % (params["secret"], TOKEN))
    return factory
