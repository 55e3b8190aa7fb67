"""Entry points are read straight from the installed metadata, as importlib.metadata reads them."""

from __future__ import annotations

import sys
import zipfile
from importlib import metadata

import pytest

from lifeos_core.plugins.discovery import distribution_version, entry_points, normalize


def write_distribution(site, folder, name, version, entry_points_text=None):
    info = site / folder
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA description.\nName: not-a-header\n")
    if entry_points_text is not None:
        (info / "entry_points.txt").write_text(entry_points_text)
    return info


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site-packages folder of its own at the front of sys.path."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def points_in(group):
    return sorted((point.name, point.value, point.distribution, point.version) for point in entry_points(group))


def test_the_installed_entry_points_match_importlib_metadata():
    for group in ("lifeos", "pytest11", "console_scripts"):
        ours = {(point.name, point.value.split("[")[0].strip()) for point in entry_points(group)}
        # importlib.metadata lists a distribution once per path entry it is found on; the first wins.
        seen, theirs = set(), set()
        for distribution in metadata.distributions():
            key = normalize(distribution.metadata["Name"])
            if key in seen:
                continue
            seen.add(key)
            theirs |= {(point.name, point.value.split("[")[0].strip())
                       for point in distribution.entry_points if point.group == group}
        assert ours == theirs, group


def test_the_standard_packs_are_found_with_their_versions():
    names = {point.name: (point.distribution, point.version) for point in entry_points("lifeos")}
    assert names["echo"] == ("lifeos-mission-echo", metadata.version("lifeos-mission-echo"))
    assert distribution_version("lifeos-core") == metadata.version("lifeos-core")
    assert distribution_version("LIFEOS_CORE") == metadata.version("lifeos-core")
    assert distribution_version("no-such-distribution-anywhere") is None


def test_sections_comments_and_extras_are_read_as_the_format_defines(site):
    write_distribution(site, "tide_pack-1.2.0.dist-info", "tide-pack", "1.2.0", (
        "# a comment\n"
        "[console_scripts]\n"
        "tide = tide_pack.cli:main\n"
        "\n"
        "[ lifeos ]\n"
        "; another comment\n"
        "tide = tide_pack.plugin [extra]\n"
        "moon=tide_pack.moon:Plugin.instance\n"
    ))
    assert [p for p in points_in("lifeos") if p[2] == "tide-pack"] == [
        ("moon", "tide_pack.moon:Plugin.instance", "tide-pack", "1.2.0"),
        ("tide", "tide_pack.plugin", "tide-pack", "1.2.0"),
    ]
    assert distribution_version("Tide_Pack") == "1.2.0"


def test_the_first_distribution_of_a_name_on_the_path_wins(site, tmp_path, monkeypatch):
    write_distribution(site, "tide_pack-2.0.0.dist-info", "tide-pack", "2.0.0", "[lifeos]\ntide = new_tide\n")
    later = tmp_path / "later"
    write_distribution(later, "tide_pack-1.0.0.dist-info", "tide-pack", "1.0.0", "[lifeos]\ntide = old_tide\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(later)])
    assert [p for p in points_in("lifeos") if p[0] == "tide"] == [("tide", "new_tide", "tide-pack", "2.0.0")]
    assert distribution_version("tide-pack") == "2.0.0"


def test_legacy_egg_info_folders_are_read_too(site):
    info = site / "tide_pack.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: tide-pack\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text("[lifeos]\ntide = tide_pack\n")
    assert ("tide", "tide_pack", "tide-pack", "0.3") in points_in("lifeos")


def test_distributions_without_entry_points_or_with_broken_metadata_are_skipped(site):
    write_distribution(site, "quiet-1.0.dist-info", "quiet", "1.0")
    (site / "broken-1.0.dist-info").mkdir()  # no files at all
    (site / "lone.egg-info").write_text("Name: lone\n")  # a file, not a folder
    assert not [p for p in points_in("lifeos") if p[2] in {"quiet", "broken", "lone"}]
    assert distribution_version("quiet") == "1.0"
    assert distribution_version("broken") == "1.0"  # from the folder name, as the metadata is missing


def test_entry_points_inside_a_zip_on_the_path_are_found(tmp_path, monkeypatch):
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped_pack-0.9.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped-pack\nVersion: 0.9\n")
        bundle.writestr("zipped_pack-0.9.dist-info/entry_points.txt", "[lifeos]\nzipped = zipped_pack\n")
    monkeypatch.syspath_prepend(str(archive))
    assert ("zipped", "zipped_pack", "zipped-pack", "0.9") in points_in("lifeos")


def test_an_entry_point_loads_the_object_it_names():
    point = next(point for point in entry_points("lifeos") if point.name == "echo")
    loaded = point.load()
    assert hasattr(loaded, "lifeos_register_missions")


@pytest.mark.parametrize(("given", "normal"), [("Foo_Bar", "foo-bar"), ("foo.bar", "foo-bar"), ("a--_b", "a-b")])
def test_names_compare_as_pip_compares_them(given, normal):
    assert normalize(given) == normal
