# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection as users get it: `ansible-galaxy collection build`, `install` of the tarball into a fresh collections
path, then a real playbook that uses the modules by FQCN from that install only, against the stand-in."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

import playbook_runner

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# What must never ship: virtualenvs, VCS data, caches, ansible-test / ansible-lint scratch, benchmark output, stand-in
# state and built tarballs. Member names are relative to the collection root.
JUNK = [
    r"^\.venv[^/]*(/|$)", r"^\.git(/|$)", r"(^|/)__pycache__(/|$)", r"\.py[co]$", r"^tests/output(/|$)",
    r"^benchmarks/results", r"^benchmarks/quick(/|$)", r"^benchmarks/work(/|$)", r"^collections(/|$)", r"^\.ansible(/|$)",
    r"^\.hypothesis(/|$)", r"^\.pytest_cache(/|$)", r"^\.standin[^/]*(/|$)", r"\.tar\.gz$",
]

# Scratch planted into a copy of the tree: each path must be kept out by galaxy.yml's build_ignore.
PLANTED = [
    ".venv/pyvenv.cfg", ".venv/lib/python3.11/site-packages/x.py", ".venv-newest/bin/python3",
    ".git/HEAD", ".git/objects/ab/cdef",
    "benchmarks/results/raw-1.json", "benchmarks/results.json", "benchmarks/results.md", "benchmarks/quick/results.md",
    "benchmarks/work/run-1/ansible.log",
    "plugins/modules/__pycache__/acr_import.cpython-311.pyc", "benchmarks/__pycache__/harness.cpython-313.pyc",
    "tests/integration/__pycache__/conftest.cpython-311-pytest-9.pyc",
    "tests/output/junit/python3.11-units.xml", "tests/output/.tmp/sanity/x.json",
    "collections/ansible_collections/acrops/registry/README.md", ".ansible/tmp/x", ".hypothesis/examples/x",
    ".pytest_cache/v/cache/lastfailed", ".standin-demo/env.json", "acrops-registry-0.0.9.tar.gz",
]


def run(cmd, env=None, cwd=None, timeout=120):
    """A tool from this venv; stdin is /dev/null (ansible-core 2.21 workers die on an inherited closed fd 0)."""
    proc = subprocess.run([str(BIN / cmd[0])] + [str(c) for c in cmd[1:]], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, "%s failed (rc=%s)\nSTDOUT:\n%s\nSTDERR:\n%s" % (
        cmd, proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:])
    return proc


def only(collections):
    """An environment in which Ansible sees the collections under this path and nothing else (pytest-ansible exports an
    ANSIBLE_COLLECTIONS_PATH into the test process; sys.path and PYTHONPATH could hold the tests' symlink tree)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False")
    env.pop("PYTHONPATH", None)
    return env


def build(source, out):
    out.mkdir(parents=True, exist_ok=True)
    run(["ansible-galaxy", "collection", "build", "--output-path", out, source], env=only(out / "none"), cwd=out)
    tarballs = list(out.glob("acrops-registry-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    return tarballs[0]


def members(tarball):
    with tarfile.open(tarball) as tar:
        return {re.sub(r"^\./", "", m.name.rstrip("/")) for m in tar.getmembers()} - {"", "."}


def junk_in(names):
    return sorted(n for n in names if any(re.search(p, n) for p in JUNK))


def source_files():
    """The files git would commit (tracked + untracked-but-not-ignored), as scripts/test copies them for ansible-test."""
    listing = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "-co", "--exclude-standard"], stdin=subprocess.DEVNULL,
                             capture_output=True, check=True).stdout.decode()
    return [f for f in listing.split("\0") if f and (REPO / f).is_file()]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    """The checkout itself, built the way the README says (its .venv*, .git and caches are real junk to leave out)."""
    return build(REPO, tmp_path_factory.mktemp("build"))


def test_build_ignore_keeps_scratch_out_and_everything_else_in(tmp_path):
    source = tmp_path / "src"
    files = source_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    for name in PLANTED:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("scratch\n")
    names = members(build(source, tmp_path / "out"))
    assert junk_in(names) == []
    assert not [p for p in PLANTED if p in names]
    # Nothing else is dropped: every file git would commit ships, except the benchmark outputs build_ignore names, CI
    # glue and galaxy.yml (which becomes MANIFEST.json).
    missing = sorted(f for f in files if f not in names and not re.search(r"^(benchmarks/results|\.ci/|galaxy\.yml$)", f))
    assert missing == [], missing


def test_tarball_of_the_checkout_has_no_junk_and_complete_metadata(tarball):
    names = members(tarball)
    assert junk_in(names) == []
    for needed in ("MANIFEST.json", "FILES.json", "README.md", "LICENSES/GPL-3.0-or-later.txt", "meta/runtime.yml",
                   "meta/execution-environment.yml", "requirements.txt", "bindep.txt", "CHANGELOG.rst",
                   "changelogs/changelog.yaml", "plugins/modules/acr_import.py", "plugins/modules/acr_image_info.py",
                   "plugins/modules/report_file.py", "plugins/action/report_file.py", "plugins/action/acr_import.py",
                   "plugins/module_utils/acr_import_task.py", "plugins/module_utils/module_runner.py",
                   "plugins/module_utils/validation.py", "plugins/plugin_utils/in_process.py", "plugins/action/acr_image_info.py",
                   "plugins/module_utils/acr_image_info_task.py", "plugins/modules/acr_tag.py", "plugins/action/acr_tag.py",
                   "plugins/doc_fragments/attributes.py",
                   "plugins/doc_fragments/auth.py", "roles/acr_mirror/meta/argument_specs.yml", "playbooks/mirror.yml"):
        assert needed in names, needed
    with tarfile.open(tarball) as tar:
        info = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
        runtime = yaml.safe_load(tar.extractfile("meta/runtime.yml"))
    assert (info["namespace"], info["name"]) == ("acrops", "registry")
    assert re.match(r"^\d+\.\d+\.\d+$", info["version"]) and tarball.name == "acrops-registry-%s.tar.gz" % info["version"]
    assert info["license"] == ["GPL-3.0-or-later"] and not info["license_file"]
    for key in ("repository", "documentation", "homepage", "issues"):
        assert re.match(r"^https://\S+$", info[key] or ""), (key, info[key])
    assert info["description"] and info["authors"] and info["readme"] == "README.md"
    # Galaxy accepts lowercase [a-z0-9_] tags; ansible-lint's production profile wants one of Galaxy's standard tags.
    assert info["tags"] and all(re.match(r"^[a-z][a-z0-9_]{0,63}$", t) for t in info["tags"]), info["tags"]
    assert set(info["tags"]) & {"application", "cloud", "database", "infrastructure", "linux", "monitoring", "networking",
                                "security", "storage", "tools", "windows"}
    # The modules and the role use ansible.builtin only: no collection dependency to install.
    assert info["dependencies"] == {}
    assert runtime["requires_ansible"].startswith(">=")
    assert sorted(runtime["action_groups"]["acr"]) == ["acr_image_info", "acr_import", "acr_tag"]


def test_installed_tarball_runs_by_fqcn_against_the_standin(standin_clean, tarball, tmp_path, unique_repo):
    standin = standin_clean
    collections = tmp_path / "collections"
    installing = run(["ansible-galaxy", "collection", "install", "--offline", "-p", collections, tarball], env=only(collections),
                     cwd=tmp_path)
    installed = collections / "ansible_collections" / "acrops" / "registry"
    assert (installed / "MANIFEST.json").is_file() and not installed.is_symlink(), installing.stdout + installing.stderr

    # Only the fresh install: not the tests' symlink tree, not sys.path, not a collections/ dir beside the playbook.
    env = playbook_runner.ansible_env(standin, collections, {"ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False"})
    env.pop("PYTHONPATH", None)
    listed = run(["ansible-galaxy", "collection", "list", "acrops.registry", "--format", "json"], env=env, cwd=tmp_path)
    assert list(json.loads(listed.stdout)) == [str(collections / "ansible_collections")], listed.stdout
    run(["ansible-galaxy", "collection", "verify", "--offline", "acrops.registry"], env=env, cwd=tmp_path)

    repo = unique_repo.replace("/", "-")
    digest = standin.push("dockerhub", "library/" + repo, "1")
    work = tmp_path / "play"
    work.mkdir()
    info_task = {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"]}}
    other_python = playbook_runner.other_name_of_this_python()
    tasks = [{"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}}, info_task]
    if other_python:  # the same task as a packaged module: another path of this Python keeps it out of the worker
        tasks.append(dict(info_task, vars={"ansible_python_interpreter": other_python}))
    plays = playbook_runner.module_play(work, tasks)
    result = playbook_runner.run_playbook(plays, env, work, ["-vvv"])
    assert result.rc == 0 and result.results, result
    imported, info = result.results["r0"], result.results["r1"]
    assert imported["changed"] is True and imported["source_digest"] == digest, imported
    assert [t["action"] for t in imported["targets"]] == ["imported"] and imported["verified"] is True
    assert [(i["tag"], i["digest"]) for i in info["images"]] == [("1", digest)], info
    # Both modules ran in-process (controller, controller's Python), so their action plugins and module_utils came from the
    # only collection path: the install. The module run of acr_image_info came from the install too (ansible-playbook -vvv
    # names the module file it sends) and returned the same.
    used = {p for p in re.findall(r"Using module file (\S+)", result.stdout) if "acr_" in p}
    assert used == ({str(installed / "plugins" / "modules" / "acr_image_info.py")} if other_python else set()), used
    if other_python:
        assert result.results["r2"]["images"] == info["images"] and result.results["r2"]["registry"] == info["registry"], result
    assert standin.control.counters()["import_calls"] == 1


# --- documentation ------------------------------------------------------------------------------------------------------

def ansible_doc(*args):
    from collection_path import COLLECTIONS_ROOT  # pylint: disable=import-outside-toplevel
    return run(["ansible-doc"] + list(args), env=dict(only(COLLECTIONS_ROOT), ANSIBLE_NOCOLOR="1")).stdout


@pytest.mark.parametrize("module, diff_support", [("acr_import", "full"), ("acr_image_info", "none"), ("acr_tag", "full")])
def test_ansible_doc_renders_the_modules_with_attributes_as_community_docker_does(module, diff_support):
    name = "acrops.registry." + module
    doc = json.loads(ansible_doc("--json", name))[name]
    attributes = doc["doc"]["attributes"]
    # action: each module has an action plugin (runs in-process on the controller); action and action_group come from the
    # acrops.registry.attributes doc fragment, the others from the module.
    expected = {"action": "full", "check_mode": "full", "diff_mode": diff_support, "idempotent": "full", "action_group": "full"}
    assert (REPO / "plugins" / "action" / (module + ".py")).is_file()
    assert {k: v["support"] for k, v in attributes.items()} == expected
    assert all(v["description"] for v in attributes.values())
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    assert attributes["action_group"]["membership"] == ["acrops.registry.acr"] and module in runtime["action_groups"]["acr"]
    options = doc["doc"]["options"]
    for option in ("auth_source", "subscription_id", "tenant", "client_id", "secret", "profile", "cloud_environment", "ca_bundle"):
        assert options[option]["description"], option  # from the acrops.registry.auth doc fragment
    assert doc["doc"]["version_added"] and doc["doc"]["short_description"] and doc["examples"].strip() and doc["return"]

    text = ansible_doc(name)
    for section in ("> MODULE %s" % name, "OPTIONS", "ATTRIBUTES:", "check_mode:", "diff_mode:", "idempotent:", "action_group:",
                    "membership:", "- acrops.registry.acr", "EXAMPLES:", "RETURN VALUES:"):
        assert section in text, (section, text[:2000])


def test_ansible_doc_renders_report_file_as_an_action_plugin():
    name = "acrops.registry.report_file"
    doc = json.loads(ansible_doc("--json", name))[name]
    assert {k: v["support"] for k, v in doc["doc"]["attributes"].items()} == {
        "action": "full", "async": "none", "check_mode": "full", "diff_mode": "none", "idempotent": "full"}
    assert set(doc["doc"]["options"]) == {"content", "dest", "mode"} and doc["examples"].strip() and doc["return"]


def test_ansible_doc_renders_the_role():
    text = ansible_doc("-t", "role", "acrops.registry.acr_mirror")
    assert re.search(r"ENTRY POINT: \W?main\W? - ", text) and "= acr_mirror_registry" in text, text[:2000]


def test_the_roles_secrets_are_no_log_in_its_argument_spec():
    # As ansible-doc reads the spec: the credentials map and every password, secret or token option is no_log (issue 20).
    options = json.loads(ansible_doc("-j", "-t", "role", "acrops.registry.acr_mirror"))["acrops.registry.acr_mirror"]["entry_points"]["main"]["options"]
    secret_like = sorted(name for name in options if re.search(r"secret|password|credential|token", name))
    assert {"acr_mirror_credentials", "acr_mirror_secret"} <= set(secret_like), secret_like
    assert [name for name in secret_like if options[name].get("no_log") is not True] == []


# --- changelog ---------------------------------------------------------------------------------------------------------

def changelog(*args, cwd=REPO):
    return subprocess.run([str(BIN / "antsibull-changelog")] + list(args), cwd=str(cwd), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120, check=False,
                          env=dict(only("/nonexistent"), PATH="%s:%s" % (BIN, os.environ.get("PATH", ""))))


def test_changelog_fragments_lint_and_changelog_rst_is_generated_from_changelog_yaml(tmp_path):
    lint = changelog("lint")
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    lint = changelog("lint-changelog-yaml", "changelogs/changelog.yaml")
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    # The linter does catch mistakes (so a clean run means something).
    bad = tmp_path / "bad.yml"
    bad.write_text("---\nminor_changes: not a list\nnew_things:\n  - x\n")
    lint = changelog("lint", str(bad))
    assert lint.returncode != 0 and "invalid section: new_things" in lint.stdout, lint.stdout + lint.stderr
    # CHANGELOG.rst is what `antsibull-changelog generate` makes of changelogs/changelog.yaml (no hand edits, not stale).
    shutil.copy2(REPO / "galaxy.yml", tmp_path / "galaxy.yml")
    shutil.copytree(REPO / "changelogs", tmp_path / "changelogs")
    generate = changelog("generate", cwd=tmp_path)
    assert generate.returncode == 0, generate.stdout + generate.stderr
    assert (tmp_path / "CHANGELOG.rst").read_text() == (REPO / "CHANGELOG.rst").read_text()
    text = (REPO / "CHANGELOG.rst").read_text()
    for entry in ("acrops.registry.acr_import", "acrops.registry.acr_image_info", "acrops.registry.acr_mirror",
                  "acrops.registry.mirror", "acrops.registry.promote", "acrops.registry.airgap"):
        assert entry in text, entry


# --- execution environment ---------------------------------------------------------------------------------------------

def test_execution_environment_build_context_and_the_collections_requirements(tmp_path, tarball):
    definition = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    assert (REPO / definition["dependencies"]["python"]).is_file() and (REPO / definition["dependencies"]["system"]).is_file()

    context = tmp_path / "context"
    run(["ansible-builder", "create", "-f", REPO / "examples" / "execution-environment.yml", "-c", context], cwd=tmp_path)
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists())
    steps = containerfile.read_text()
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["acrops.registry"]
    assert "ansible-galaxy collection install" in steps and "introspect" in steps and "install-from-bindep" in steps

    # The build runs the context's own introspect.py over the installed collections: run it over an install of the tarball.
    collections = tmp_path / "collections"
    run(["ansible-galaxy", "collection", "install", "--offline", "-p", collections, tarball], env=only(collections), cwd=tmp_path)
    pip, bindep = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    subprocess.run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections),
                    "--write-pip", str(pip), "--write-bindep", str(bindep)], stdin=subprocess.DEVNULL, capture_output=True,
                   text=True, timeout=60, check=True)
    wanted = [line.split("#")[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    wanted = [line for line in wanted if line]
    got = [line.split("#")[0].strip() for line in pip.read_text().splitlines() if line.strip()]
    assert wanted and sorted(got) == sorted(wanted), pip.read_text()
    assert all("# from collection acrops.registry" in line for line in pip.read_text().splitlines() if line.strip())
    system = [line.split("#")[0].strip() for line in (REPO / "bindep.txt").read_text().splitlines()]
    written = bindep.read_text().splitlines() if bindep.exists() else []  # not written when no collection needs a package
    assert sorted(line for line in written if line.strip()) == sorted(
        "%s  # from collection acrops.registry" % line for line in system if line)
