# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's backup template (module_utils/tag_backups.py): the backup tag's name, and templates refused before any request."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.tag_backups import backup_tag, check_template

DIGEST = "sha256:0123456789abcdef" + "0" * 48


def test_backup_tag_fields():
    assert backup_tag("{tag}-prev-{before_digest12}", "1.25", DIGEST) == "1.25-prev-0123456789ab"
    assert backup_tag("{tag}-{before_digest}", "v1", DIGEST) == "v1-" + DIGEST[7:]


@pytest.mark.parametrize("template, fragment", [
    ("{tag}-{digest}", "only the fields {tag}, {before_digest12}, {before_digest}"),
    ("{tag}/prev", "not a valid tag"),
    ("{tag}-{before_digest}-{before_digest}", "not a valid tag"),      # longer than 128 characters
    ("{tag}", "names the tag itself"),
    ("previous", "must contain {tag}"),
    ("", "must be a template string"),
])
def test_bad_templates_are_refused_before_any_request(template, fragment):
    with pytest.raises(AcrOpsError) as caught:
        check_template(template, "source")
    assert fragment in str(caught.value)


def test_no_template_is_no_backup():
    assert check_template(None, "source") is None
