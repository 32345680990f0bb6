import importlib
import io

import pytest
import yaml

from dozor.core import yamlio
from dozor.core.yamlio import yaml_load


def test_it_uses_the_c_loader_when_pyyaml_has_libyaml() -> None:
    # PyYAML's wheels are built with libyaml: the lock installs them, so the fast loader is in use.
    assert yaml.__with_libyaml__
    assert yamlio.SafeLoader is yaml.CSafeLoader


def test_it_reads_text_and_streams_as_safe_load_does() -> None:
    text = "code: kz\nnames:\n  ru: Казахстан\ndate: 2026-01-02\nitems: [1, 2.5, true, null]\n"
    assert yaml_load(text) == yaml.safe_load(text)
    assert yaml_load(io.StringIO(text)) == yaml.safe_load(text)
    assert yaml_load(text.encode()) == yaml.safe_load(text)


def test_it_builds_no_python_objects() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml_load("!!python/object/apply:os.system ['echo owned']")


def test_it_refuses_invalid_yaml() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml_load("a: [1, 2")


def test_it_falls_back_to_the_pure_loader_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(yaml, "CSafeLoader")
    try:
        importlib.reload(yamlio)
        assert yamlio.SafeLoader is yaml.SafeLoader
        assert yamlio.yaml_load("a: 1") == {"a": 1}
    finally:
        monkeypatch.undo()
        importlib.reload(yamlio)
    assert yamlio.SafeLoader is yaml.CSafeLoader
