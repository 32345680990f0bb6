"""`dozor pack check` refuses a source without a link or without the date it was checked (issue 18)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dozor.core.packs import PackError, pack_dir
from dozor.core.yamlio import yaml_load
from dozor.packs import pack_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kz"
    shutil.copytree(pack_dir("kz"), target)
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems(directory: Path) -> list[str]:
    with pytest.raises(PackError) as caught:
        pack_read(directory)
    return caught.value.errors


def test_every_source_of_the_real_pack_has_a_link_and_a_date():
    meta = yaml_load((pack_dir("kz") / "pack.yaml").read_text(encoding="utf-8"))
    assert meta["sources"]
    for source in meta["sources"]:
        assert str(source["url"]).startswith(("https://", "http://")), source["title"]
        assert source["checked"], source["title"]
    pack_read(pack_dir("kz"))


def test_it_refuses_a_source_without_a_date(pack_copy: Path):
    edit(pack_copy / "pack.yaml", lambda d: d["sources"][2].pop("checked"))
    assert any("pack.yaml sources item 3" in e and "checked" in e for e in problems(pack_copy))


def test_it_refuses_a_source_with_a_date_that_is_not_a_date(pack_copy: Path):
    edit(pack_copy / "pack.yaml", lambda d: d["sources"][0].update({"checked": "recently"}))
    assert any("checked" in e for e in problems(pack_copy))


def test_it_refuses_a_source_without_a_link(pack_copy: Path):
    edit(pack_copy / "pack.yaml", lambda d: d["sources"][1].update({"url": "UN document CAT/OP/12/5"}))
    assert any("pack.yaml sources item 2" in e and "link" in e for e in problems(pack_copy))


def test_it_refuses_a_pack_without_sources(pack_copy: Path):
    edit(pack_copy / "pack.yaml", lambda d: d.pop("sources"))
    assert any("sources" in e for e in problems(pack_copy))
