from pathlib import Path

import pytest

from tiercare.config import load_settings, mask_url
from tiercare.core.errors import ConfigError


def test_defaults_bind_loopback(tmp_path):
    s = load_settings(env={"TIERCARE_HOME": str(tmp_path)})
    assert s.host == "127.0.0.1"
    assert s.port == 8080
    assert s.embedded
    assert s.home == tmp_path


def test_env_overrides_and_file(tmp_path):
    (tmp_path / "tiercare.toml").write_text('port = 9001\nlog_level = "warning"\n')
    s = load_settings(env={"TIERCARE_HOME": str(tmp_path), "TIERCARE_LOG_LEVEL": "DEBUG"})
    assert s.port == 9001  # from the file
    assert s.log_level == "debug"  # env beats file, normalised


def test_explicit_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"TIERCARE_CONFIG": str(tmp_path / "nope.toml")})


def test_bad_toml_is_one_clear_error(tmp_path):
    (tmp_path / "tiercare.toml").write_text("port = = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={"TIERCARE_HOME": str(tmp_path)})


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [("TIERCARE_PORT", "http", "TIERCARE_PORT"), ("TIERCARE_PORT", "70000", "TIERCARE_PORT"),
     ("TIERCARE_LOG_LEVEL", "loud", "TIERCARE_LOG_LEVEL"), ("TIERCARE_POOL_SIZE", "0", "TIERCARE_POOL_SIZE")],
)
def test_invalid_values_name_the_variable(tmp_path, key, value, field):
    with pytest.raises(ConfigError, match=f"setting {field} is invalid"):
        load_settings(env={"TIERCARE_HOME": str(tmp_path), key: value})


def test_unknown_keys_in_file_are_rejected(tmp_path):
    (tmp_path / "tiercare.toml").write_text("prot = 1\n")
    with pytest.raises(ConfigError, match="PROT"):
        load_settings(env={"TIERCARE_HOME": str(tmp_path)})


def test_secrets_are_masked(tmp_path):
    s = load_settings(env={"TIERCARE_HOME": str(tmp_path),
                           "TIERCARE_DATABASE_URL": "postgresql://ann:s3cret@db.example:5432/tc"})
    shown = s.masked()
    assert shown["database_url"] == "postgresql://ann:***@db.example:5432/tc"
    assert "s3cret" not in repr(s)
    assert not s.embedded


def test_mask_url_without_password():
    assert mask_url("postgresql://ann@h/db") == "postgresql://ann@h/db"


def test_settings_are_not_read_at_import():
    import importlib

    import tiercare.config as cfg

    importlib.reload(cfg)  # reload must not touch the environment or disk
    assert isinstance(cfg.default_home(), Path)
