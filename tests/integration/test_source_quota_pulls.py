# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker Hub pull quota, counted as Docker Hub counts it (issue 19): a whole index costs one pull per architecture, a
referrer's import one more, and check mode predicts the same deferrals as the run, from the same free HEADs.

One playbook run against the stand-in's per-account quota (its Docker Hub front counts pulls by the same documented rule,
tests/standin/sources.py pulls_of_manifest), three tasks in a row, the quota spent by one feeding the next:
1. an image with two cosign referrers and a budget of 2 pulls: the image and one referrer go, the other referrer is deferred;
2. check mode over four two-platform indexes (2 pulls each) with 7 pulls left: three fit, the fourth would be deferred;
3. the same for real: the same one deferred. Counted one pull per index, the fourth would be submitted and run out of
   quota in the middle of its import (the stand-in answers its second platform GET with 429)."""

from __future__ import annotations

import pytest

from standin import artifacts

pytestmark = pytest.mark.usefixtures("standin_clean")

LIMIT = 9
INDEX = dict(platforms=["linux/amd64", "linux/arm64"], attestation=True, size=256)   # 2 architectures + 2 attestations: 2 pulls


def imports_of(standin, names):
    bodies = [e["body"] for e in standin.control.log() if e["route"] == "arm:import" and isinstance(e.get("body"), dict)]
    return [b for b in bodies if any("/%s@" % n in str(b.get("source", {}).get("sourceImage")) or "/%s:" % n in
                                     str(b.get("source", {}).get("sourceImage")) for n in names)]


def test_referrers_and_index_architectures_are_counted_and_check_mode_predicts_the_deferrals(standin, ansible, repo):
    dockerhub = standin.env["sources"]["dockerhub"]
    signed = repo + "-signed"
    subject = standin.push("dockerhub", "library/" + signed, "1", platforms="linux/amd64", size=256)
    artifacts.cosign_sign(standin, "dockerhub", "library/" + signed, subject)
    artifacts.cosign_attest(standin, "dockerhub", "library/" + signed, subject)
    indexes = ["%s-idx-%d" % (repo, index) for index in range(4)]
    for name in indexes:
        standin.push("dockerhub", "library/" + name, "1", **INDEX)
    login = {"docker.io": {"username": dockerhub["username"], "password": "{{ lookup('ansible.builtin.env', 'HUB_PASSWORD') }}"}}

    def task(images, **options):
        return {"acrops.registry.acr_import": dict({"registry": "standinacr", "images": images, "source_credentials": login,
                                                    "concurrency": 1}, **options)}

    standin.control.settings(dockerhub_pull_limit=LIMIT)
    many = [{"source": name + ":1"} for name in indexes]
    run = ansible.tasks([
        task([{"source": signed + ":1", "referrers": True}], source_rate_limit={"min_remaining": LIMIT - 2}),
        dict(task(many), check_mode=True),
        task(many),
    ], env={"HUB_PASSWORD": dockerhub["password"]})
    signed_run, predicted, real = (run.results["r%d" % i] for i in range(3))
    for result in (signed_run, predicted, real):
        assert not result.get("failed"), run

    # 1. The subject (1 pull) and one referrer (1 pull) fit the budget of 2; the other referrer is deferred, not submitted.
    image = signed_run["results"][0]
    assert image["targets"][0]["action"] == "imported" and not image.get("deferred"), image
    actions = sorted(entry["action"] for entry in image["referrers"])
    assert actions == ["deferred", "imported"], image["referrers"]
    assert signed_run["counts"]["referrers_deferred"] == 1 and image["referrers_deferred_until"], signed_run["counts"]
    assert any("referrers of 1 image(s) were not copied" in w for w in signed_run["warnings"]), signed_run["warnings"]
    assert len(imports_of(standin, [signed])) == 2, "the subject and one referrer"

    # 2./3. Check mode predicts exactly the run's deferrals, and submits nothing.
    deferred = ["docker.io/library/%s:1" % indexes[3]]
    assert [r["source"] for r in predicted["results"] if r.get("deferred")] == deferred, predicted["results"]
    assert [r["source"] for r in real["results"] if r.get("deferred")] == deferred, real["results"]
    assert predicted["results"][3]["targets"][0]["action"] == "would_defer" and predicted["counts"]["would_defer"] == 1
    assert predicted["counts"]["would_import"] == 3 and real["counts"]["imported"] == 3 and real["counts"]["deferred"] == 1
    assert real["results"][3]["deferred_until"] and predicted["results"][3]["deferred_until"]
    assert any("would not be imported" in w for w in predicted["warnings"]), predicted["warnings"]
    assert len(imports_of(standin, indexes[:3])) == 3 and not imports_of(standin, indexes[3:]), "check mode imports nothing"

    # The stand-in counted what the module planned: 2 (subject, referrer) + 3 x 2 (two architectures per index).
    pulls = standin.control.counters()["dockerhub_pulls"]
    assert sum(v for k, v in pulls.items() if k.endswith(" " + dockerhub["username"])) == 8, pulls
