# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's and acr_image_info's actions run the task in Ansible's worker when it would run on the controller in the
controller's Python, and as a packaged module otherwise; both ways give the same result, honour check and diff mode, the
task's environment and no_log, and refuse bad arguments with the same words. Real ansible-playbook runs against the stand-in
over HTTPS.

Which way ran is read from -vvv: only the module way transfers an AnsiballZ_<module>.py.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest
from playbook_runner import other_name_of_this_python, storage_digest

pytestmark = pytest.mark.usefixtures("standin_clean")
PACKAGED = "AnsiballZ_acr_import.py"
VOLATILE = ("elapsed",)


WAYS = {"in_process": sys.executable, "module": None}


def interpreter(way):
    if WAYS[way]:
        return WAYS[way]
    other = other_name_of_this_python()
    if other is None:
        pytest.skip("no second name for %s" % sys.executable)
    return other


def run_task(ansible, way, task, args=()):
    task = dict(task, vars={"ansible_python_interpreter": interpreter(way)})
    # ansible-core 2.21 returns the invocation only with inject_invocation (2.19 always does).
    run = ansible.tasks([task], ["-vvv"] + list(args), env={"ANSIBLE_INJECT_INVOCATION": "1"})
    assert (PACKAGED in run.stdout) is (way == "module"), "the task did not run the %s way" % way
    return run.results["r0"], run


def stable(value):
    """A result without its timings (elapsed, at the top and per image) and Ansible's internal keys."""
    if isinstance(value, dict):
        return dict((k, stable(v)) for k, v in value.items() if k not in VOLATILE and not k.startswith("_ansible"))
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


@pytest.mark.parametrize("way", sorted(WAYS))
def test_both_ways_import_then_change_nothing_with_the_same_result(standin, ansible, repo, way):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}}
    preview, run = run_task(ansible, way, task, ["--check", "--diff"])
    assert preview["changed"] is True and preview["targets"][0]["action"] == "would_import", run
    assert preview["diff"]["after"]["targets"]["%s:1" % repo] == digest
    assert standin.control.counters()["import_calls"] == 0, "check mode imported"
    first, run = run_task(ansible, way, task)
    assert first["changed"] is True and first["targets"][0]["after"] == digest and "diff" not in first, run
    assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], repo, "1") == digest
    # -vvv shows the invocation (registered results never hold it): the arguments after validation, defaults included.
    assert '"concurrency": 8' in run.stdout and '"source": "%s:1"' % repo in run.stdout, run
    second, run = run_task(ansible, way, task)
    assert second["changed"] is False and second["targets"][0]["action"] == "unchanged", run
    assert standin.control.counters()["import_calls"] == 1


def test_the_two_ways_return_the_same_result(standin, ansible, repo):
    standin.push("dockerhub", "library/" + repo, "1")
    standin.push("dockerhub", "library/" + repo, "2")
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "images": [{"source": "%s:1" % repo}, {"source": "%s:2" % repo}]}}
    results = {}
    for way in sorted(WAYS):
        results[way], dummy = run_task(ansible, way, task, ["--check", "--diff"])
    assert stable(results["in_process"]) == stable(results["module"])


@pytest.mark.parametrize("way", sorted(WAYS))
def test_no_log_values_are_masked_the_same_way(standin, ansible, repo, way):
    password = "In-Process-Planted-Secret-%s" % way
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "source_username": "someone",
                                           "source_password": password}}
    result, run = run_task(ansible, way, task)
    assert result["failed"] is True, run    # the tag does not exist
    assert '"source_password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.stdout, run   # the invocation, as -vvv shows it
    assert password not in run.stdout + run.stderr


@pytest.mark.parametrize("way", sorted(WAYS))
def test_the_task_environment_reaches_the_run(ansible, repo, way):
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo},
            "environment": {"AZURE_SUBSCRIPTION_ID": "not-a-subscription"}}
    result, run = run_task(ansible, way, task)
    assert result["failed"] is True and "subscription_id 'not-a-subscription' is not a subscription ID" in result["msg"], run


@pytest.mark.parametrize("arguments, message", [
    ({"source": "nginx:1", "bogus": 1}, "Unsupported parameters for (acrops.registry.acr_import) module: bogus. Supported parameters include: "),
    ({"source": "nginx:1", "images": [{"source": "nginx:2"}]}, "parameters are mutually exclusive: source|images"),
    ({"images": [{"targets": ["x:1"]}]}, "missing required arguments: source found in images"),
])
def test_bad_arguments_are_refused_in_ansible_modules_words(ansible, arguments, message):
    for way in sorted(WAYS):
        result, run = run_task(ansible, way, {"acrops.registry.acr_import": dict(arguments, registry="standinacr")})
        assert result["failed"] is True and result["msg"].startswith(message), (way, result["msg"], run)


# become as root to root through su asks for no password: the become path without a sudo set-up.
BECOME = pytest.param({"become": True, "become_method": "su", "become_user": "root"}, PACKAGED, id="become",
                      marks=pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("su"), reason="su without a password needs root"))


@pytest.mark.parametrize("keywords, marker", [({"async": 120, "poll": 1}, "async_wrapper"), ({"timeout": 120}, None), BECOME])
def test_async_and_become_tasks_run_as_the_module_and_timeout_tasks_in_process(standin, ansible, repo, keywords, marker):
    """A timeout that is not reached changes nothing (test_stopped_runs.py shows one that is)."""
    digest = standin.push("dockerhub", "library/" + repo, "1")
    task = dict({"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo},
                 "vars": {"ansible_python_interpreter": sys.executable}}, **keywords)
    run = ansible.tasks([task], ["-vvv"])
    result = run.results["r0"]
    if marker:
        assert PACKAGED in run.stdout and marker in run.stdout, run
    else:
        assert PACKAGED not in run.stdout, run
    assert result["changed"] is True and result["targets"][0]["after"] == digest, run


def test_delegated_to_localhost_from_a_remote_host_it_runs_in_process(standin, ansible, repo, tmp_path):
    """The play's host is unreachable (ssh to TEST-NET-1): the delegated task must not touch it."""
    digest = standin.push("dockerhub", "library/" + repo, "1")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("far ansible_host=192.0.2.1 ansible_connection=ssh ansible_ssh_timeout=2\n"
                         "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    play = [{"hosts": "far", "gather_facts": False, "tasks": [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}, "delegate_to": "localhost",
         "register": "r"},
        {"ansible.builtin.copy": {"content": "{{ {'r0': r} | to_json }}", "dest": str(tmp_path / "results.json")},
         "delegate_to": "localhost", "check_mode": False}]}]
    run = ansible.playbook(play, inventory, ["-vvv"])
    assert run.rc == 0 and PACKAGED not in run.stdout, run
    assert run.results["r0"]["targets"][0]["after"] == digest


@pytest.mark.parametrize("way", sorted(WAYS))
def test_library_log_records_reach_neither_the_console_nor_ansibles_log(ansible, repo, way, tmp_path):
    """azure-identity logs a refused token request as a warning; from a module that went to the module's dropped stderr, and
    in the worker it must not reach the console or Ansible's log file either. The result still says what happened."""
    log = tmp_path / "ansible.log"
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "secret": "Wrong-Secret-%s" % way},
            "vars": {"ansible_python_interpreter": interpreter(way)}}
    run = ansible.tasks([task], env={"ANSIBLE_LOG_PATH": str(log)})
    result = run.results["r0"]
    assert result["failed"] is True and "AADSTS7000215" in result["msg"], run
    assert "get_token" not in run.stderr and "errantly" not in run.stderr, run.stderr
    assert log.exists() and "get_token" not in log.read_text() and "Wrong-Secret" not in log.read_text()


def task_sections(stdout):
    """-vvv output cut into the tasks' sections, by task name: what each task printed (e.g. the module file it sent)."""
    sections = {}
    for chunk in stdout.split("\nTASK [")[1:]:
        name, dummy, text = chunk.partition("]")
        sections[name] = text
    return sections


def comparable(result):
    """stable(), and the identity provider's per-request trace, correlation and time left out of the message."""
    result = stable(result)
    if "msg" in result:
        result["msg"] = re.sub(r"Trace ID: [-0-9a-f]+ Correlation ID: [-0-9a-f]+ Timestamp: [-0-9]+ [0-9:]+Z", "Trace ID: ...", result["msg"])
    return result


def test_image_info_runs_both_ways_with_the_same_results(standin, ansible, repo):
    """acr_image_info's action, in one ansible-playbook run: each case in-process and as a module, compared. Cases: given tags
    (one missing), every tag, a missing tag with must_exist, an unknown option, a wrong secret (masked, and the identity
    provider's answer reaches the result)."""
    digests = [standin.push("devacr", repo, tag) for tag in ("1", "2")]
    wrong = "Image-Info-Planted-Secret"
    cases = {
        "tags": {"registry": "devacr", "repository": repo, "tags": ["2", "3"]},
        "every_tag": {"registry": "devacr", "repository": repo},
        "must_exist": {"registry": "devacr", "repository": repo, "tags": ["3"], "must_exist": True},
        "unknown_option": {"registry": "devacr", "repository": repo, "bogus": 1},
        "wrong_secret": {"registry": "devacr", "repository": repo, "secret": wrong},
    }
    tasks = [{"name": "%s %s" % (case, way), "acrops.registry.acr_image_info": args, "vars": {"ansible_python_interpreter": interpreter(way)}}
             for case, args in cases.items() for way in sorted(WAYS)]
    run = ansible.tasks(tasks, ["-vvv", "--check"], env={"ANSIBLE_INJECT_INVOCATION": "1"})
    assert run.results is not None, run
    sections = task_sections(run.stdout)
    results = {}
    for index, task in enumerate(tasks):
        results[task["name"]] = run.results["r%d" % index]
        way = task["name"].split()[-1]
        assert ("AnsiballZ_acr_image_info.py" in sections[task["name"]]) is (way == "module"), "%s did not run the %s way" % (task["name"], way)
    for case in cases:
        assert comparable(results[case + " in_process"]) == comparable(results[case + " module"]), case

    given, every = results["tags in_process"], results["every_tag in_process"]
    assert given["changed"] is False and given["registry"]["name"] == "devacr", given
    assert [(i["tag"], i["exists"], i["digest"]) for i in given["images"]] == [("2", True, digests[1]), ("3", False, None)], given
    assert sorted((i["tag"], i["digest"]) for i in every["images"]) == [("1", digests[0]), ("2", digests[1])], every
    missing = results["must_exist in_process"]
    assert missing["failed"] is True and "has no tag 3" in missing["msg"] and "nothing was promoted" in missing["msg"], missing
    refused = results["unknown_option in_process"]
    assert refused["failed"] is True and refused["msg"].startswith(
        "Unsupported parameters for (acrops.registry.acr_image_info) module: bogus. Supported parameters include: "), refused
    denied = results["wrong_secret in_process"]
    assert denied["failed"] is True and "AADSTS7000215" in denied["msg"], denied
    assert '"secret": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in sections["wrong_secret in_process"], run
    assert wrong not in run.stdout + run.stderr
