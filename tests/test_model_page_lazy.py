"""The Model page loads without the classifier's libraries (issue 14: it took ~20 s cold importing torch).

In a fresh Python process, the page runs under AppTest as an admin and shows the active card; afterwards
none of torch, sentence-transformers, scikit-learn or skops has been imported. They load only when a
model is trained, promoted or used for scoring.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from triage_seed import CHEAP_HASHER, add_users

from monitor import auth
from monitor.classify.persist import CARD_FILE as CLASSIFY_CARD_FILE
from monitor.scoring.registry import CARD_FILE
from monitor.store import Database

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "sklearn", "skops", "transformers")
SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
from monitor import auth
at = AppTest.from_file(sys.argv[1], default_timeout=300)
at.session_state["auth"] = auth.LoginSession(auth.Actor("admin", "admin"))
at.switch_page("views/model.py")
at.run()
print(json.dumps({
    "exception": [e.message for e in at.exception],
    "titles": [t.value for t in at.title],
    "texts": [t.value for t in at.text],
    "loaded": sorted(m for m in %r if m in sys.modules),
}))
"""


def test_registry_and_classifier_agree_on_the_card_file() -> None:
    assert CARD_FILE == CLASSIFY_CARD_FILE


def test_model_page_does_not_import_the_classifier(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    add_users(sqlite_db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_DATABASE_URL=sqlite_db.url, MONITOR_HOME=str(REPO), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT % (HEAVY,), str(REPO / "dashboards" / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exception"] == []
    assert result["titles"] == ["Model klasifikasi"]
    card = json.loads((REPO / "models" / "default" / CARD_FILE).read_text(encoding="utf-8"))
    assert str(card["version"]) in result["texts"]  # the active card is shown (models/default)
    assert result["loaded"] == [], f"the Model page imported {result['loaded']}"
