import json
import os
import subprocess
import sys

from cryptography.fernet import Fernet

from tests.conftest import REPO


def test_collectstatic_builds_the_manifest_production_serves(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "collectstatic-test-key-" + "q" * 40,
        "STAAS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "STATIC_ROOT": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "css/portal.css" in manifest
    assert "django_htmx/htmx-2.min.js" in manifest
