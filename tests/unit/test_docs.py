"""Every CLI command and every setting is documented (STYLE.md: a test keeps that true)."""

from pathlib import Path

import click

from tiercare.cli import _register_feature_commands, cli
from tiercare.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))


def _command_paths(group: click.Group, prefix: str = "tiercare") -> list[str]:
    paths = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        paths.append(path)
        if isinstance(cmd, click.Group):
            paths.extend(_command_paths(cmd, path))
    return paths


def test_every_command_has_help_and_docs():
    _register_feature_commands()
    text = _all_docs()
    missing = [p for p in _command_paths(cli) if f"`{p}" not in text]
    assert not missing, f"undocumented commands: {missing}"
    for name, cmd in cli.commands.items():
        assert cmd.get_short_help_str(), f"command {name} has no one-line purpose"


def test_every_setting_is_documented():
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    missing = [f"TIERCARE_{n.upper()}" for n in Settings.model_fields if f"`TIERCARE_{n.upper()}`" not in text]
    assert not missing, f"undocumented settings: {missing}"
