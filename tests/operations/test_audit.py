"""
`make audit` (.ci/audit): pip-audit's verdict, and no pass when it could check nothing.

Where PyPI's vulnerability data is out of reach, pip-audit reports every package as "could not be
audited" and still exits 0 (issue 22). The script runs here against fake pip-audits (PIP_AUDIT),
each printing the JSON report the real one prints with --format json, so nothing reaches the
network.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PINS = [("django", "5.2.19"), ("wagtail", "8.0.1"), ("six", "1.17.0")]


def not_found(name, version):
    # What pip-audit's PyPI service reports when PyPI answers 404 for the package's advisories.
    return {
        "name": name,
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})",
    }


def clean(name, version):
    return {"name": name, "version": version, "vulns": []}


def vulnerable(name, version):
    vuln = {"id": "PYSEC-0000-1", "fix_versions": ["9.9"], "description": "A hole in it."}
    return {"name": name, "version": version, "vulns": [vuln]}


def fake_pip_audit(tmp_path, packages, exit_status=0):
    """A pip-audit that prints this report of `packages` and its summary, and exits so."""
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": packages, "fixes": []}))
    script = tmp_path / "pip-audit"
    script.write_text(
        "#!/bin/sh\n"
        f"cat '{report}'\n"
        "echo 'No known vulnerabilities found' >&2\n"
        f"exit {exit_status}\n"
    )
    script.chmod(0o755)
    return script


def audit(pip_audit, **environment):
    env = {k: v for k, v in os.environ.items() if k != "AUDIT_OFFLINE"}
    env.update(PIP_AUDIT=str(pip_audit), **environment)
    return subprocess.run(
        [sys.executable, ".ci/audit"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nothing_checked_fails_and_says_so(tmp_path):
    result = audit(fake_pip_audit(tmp_path, [not_found(*pin) for pin in PINS]))

    assert result.returncode != 0
    assert "FAILED: none of the 3 packages was checked for known vulnerabilities" in result.stderr
    assert "make audit AUDIT_OFFLINE=1" in result.stderr


def test_nothing_checked_offline_passes_saying_nothing_was_audited(tmp_path):
    result = audit(fake_pip_audit(tmp_path, [not_found(*pin) for pin in PINS]), AUDIT_OFFLINE="1")

    assert result.returncode == 0
    assert "NOT AUDITED: none of the 3 packages was checked" in result.stderr
    assert "could not be audited: django (5.2.19); and so for the 2 others" in result.stdout


def test_everything_checked_and_clean_passes(tmp_path):
    result = audit(fake_pip_audit(tmp_path, [clean(*pin) for pin in PINS]))

    assert result.returncode == 0
    assert "Audited 3 packages: no known vulnerabilities." in result.stdout


def test_some_unchecked_passes_with_a_warning_naming_them(tmp_path):
    packages = [clean(*PINS[0]), clean(*PINS[1]), not_found(*PINS[2])]

    result = audit(fake_pip_audit(tmp_path, packages))

    assert result.returncode == 0
    assert "six: Dependency not found on PyPI and could not be audited" in result.stdout
    assert "WARNING: 1 of the 3 packages (above) could not be looked up" in result.stderr


def test_a_known_vulnerability_fails_even_offline(tmp_path):
    packages = [vulnerable(*PINS[0]), clean(*PINS[1]), not_found(*PINS[2])]

    result = audit(fake_pip_audit(tmp_path, packages, exit_status=1), AUDIT_OFFLINE="1")

    assert result.returncode == 1
    assert "django 5.2.19: PYSEC-0000-1 (fixed in 9.9)" in result.stdout
    assert "A hole in it." in result.stdout
    assert "1 of the 2 packages it checked have a known vulnerability" in result.stderr


def test_a_pip_audit_that_cannot_run_fails(tmp_path):
    result = audit(tmp_path / "no-such-pip-audit")

    assert result.returncode != 0
    assert "FAILED: cannot run pip-audit" in result.stderr
