"""`tiercare import` / `tiercare export` end to end on the real PostgreSQL."""

from __future__ import annotations

import gzip
import json

import pytest

from tiercare.cli import main

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def test_import_then_export(committed_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TIERCARE_DATABASE_URL", committed_url)
    monkeypatch.setenv("TIERCARE_HOME", str(tmp_path / "home"))
    src = tmp_path / "in" / "Organization.ndjson.gz"
    src.parent.mkdir()
    rows = [json.dumps({"resourceType": "Organization", "id": f"cli-org-{i}", "name": f"卫生院 {i}"}) for i in range(3)]
    src.write_bytes(gzip.compress(("\n".join(rows) + "\n{oops\n").encode()))
    code = main(["import", str(src.parent), "--workers", "1"])
    out = capsys.readouterr()
    assert code == 1  # one line rejected
    assert "3 created" in out.out
    assert f"{src}:4:" in out.err
    assert main(["import", str(src), "--workers", "1"]) == 1
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "out"), "--type", "Organization"]) == 0
    lines = (tmp_path / "out" / "Organization.ndjson").read_text(encoding="utf-8").splitlines()
    assert {json.loads(x)["id"] for x in lines} >= {"cli-org-0", "cli-org-1", "cli-org-2"}
