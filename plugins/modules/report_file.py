#!/usr/bin/python
# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The work is done by the action plugin of the same name, on the controller; this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r'''
module: report_file
short_description: Write data as a JSON file on the Ansible controller
version_added: 0.2.0
description:
  - Serialises O(content) as indented JSON with sorted keys (like the C(to_nice_json) filter) and writes it to O(dest) on the
    B(controller), whatever host the task runs for, atomically (readers never see a half-written file).
  - Runs inside the controller's Ansible process, without starting a module; the P(acrops.registry.acr_mirror#role) role
    writes its report with it. Compared with M(ansible.builtin.copy) with C(content) and C(delegate_to=localhost), which
    runs two modules, this saves about a second per report.
  - The directory of O(dest) must exist.
author:
  - acrops.registry contributors (@acrops)
attributes:
  action:
    support: full
    description: The work is done by an action plugin on the controller.
  async:
    support: none
    description: Runs on the controller within the task; there is nothing to run in the background.
  check_mode:
    support: full
    description: Reports whether the file would change, and writes nothing. Set C(check_mode=false) on the task to write a report in check mode too.
  diff_mode:
    support: none
    description: Reports are rewritten whole; use O(dest) before and after to compare runs.
  idempotent:
    support: full
    description: Writes only when the text or the mode differs; reports C(changed) only then.
options:
  content:
    description: The data to write, any mix of dicts, lists, strings, numbers, booleans and nulls.
    type: raw
    required: true
  dest:
    description: Path of the file on the controller; C(~) is expanded. Replaced when it exists.
    type: path
    required: true
  mode:
    description: Permissions of the file, as an octal string.
    type: str
    default: "0644"
notes:
  - The file is on the controller even when the task's host is remote, as if the task had C(delegate_to=localhost).
seealso:
  - module: ansible.builtin.copy
'''

EXAMPLES = r'''
- name: Keep the mirror run's report for the monitoring job
  acrops.registry.report_file:
    content: "{{ acr_mirror_result }}"
    dest: /var/log/acr-mirror/report.json
    mode: "0640"
  check_mode: false
'''

RETURN = r'''
dest:
  description: The path written (or that would be written in check mode).
  returned: success
  type: str
  sample: /var/log/acr-mirror/report.json
size:
  description: Size of the JSON text in bytes.
  returned: success
  type: int
  sample: 20480
'''
