"""`[[sources]]` in config.toml is checked at start-up like the rest of the file: every unknown
key by its path with a did-you-mean, every value that cannot work named, all at once, in the
file's language."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from alerts.config import ConfigError, load_settings, settings_from_table
from tests.builders import CONFIG, config_table
from tests.sources.builders import alertmanager_source
from tests.sources.test_json_source import GAS


def _problems(*sources: dict[str, Any], language: str = "en") -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_table(config_table(language=language, sources=list(sources)))
    return info.value.lines


def test_the_examples_load() -> None:
    loaded = settings_from_table(config_table(sources=[alertmanager_source(), GAS]))
    names = [(s.name, s.kind, s.unit) for s in loaded.sources]
    assert names == [("alertmanager", "alertmanager", "qdh"), ("gas", "json", "wsh")]
    assert loaded.sources[0].location.address.path == ["labels.site", "labels.instance"]
    assert loaded.sources[1].fingerprint.path == ["id"]  # a single path is a list of one
    assert settings_from_table(config_table()).sources == []


def test_a_file_with_a_source_reads_and_its_typos_are_named(tmp_path: Path) -> None:
    text = CONFIG.read_text() + (
        '\n[[sources]]\nname = "alertmanager"\nkind = "alertmanager"\nunit = "qdh"\n'
        'category = { default = "natural_disaster" }\n'
        'severity = { path = "labels.severity", valeus = { critical = "II" } }\n'
        'titel = { path = "annotations.summary" }\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    lines = info.value.lines
    assert f"{path}: sources[0].severity.valeus: 未知的键，是否应为 values？" in lines
    assert f"{path}: sources[0].titel: 未知的键，是否应为 title？" in lines
    path.write_text(text.replace("valeus", "values").replace("titel", "title"))
    assert load_settings(path, environ={}).sources[0].severity.values == {"critical": "II"}


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("no unit", {"unit": None}, "sources[0].unit: is required"),
    ("a kind we do not read", {"kind": "grafana"}, "sources[0].kind: must be one of"),
    ("a bad name", {"name": "Alert Manager"}, "sources[0].name: has the wrong form"),
    ("no category", {"category": None}, "sources[0].category: is required"),
    (
        "an unmapped grade",
        {"severity": {}},
        "sources[0].severity: must say where it comes from: path, template or default",
    ),
    (
        "a category not ours",
        {"category": {"path": "labels.category", "values": {"flood": "flood"}}},
        "sources[0].category: flood is not one of natural_disaster, accident, public_health, "
        "social_safety",
    ),
    (
        "a grade not ours",
        {"severity": {"default": "较大"}},
        "sources[0].severity: 较大 is not one of I, II, III, IV",
    ),
    (
        "a path that is none",
        {"title": {"path": "annotations..summary"}},
        "sources[0].title.path: must be a dotted path into the alert like labels.severity, "
        "not annotations..summary",
    ),
    (
        "a template without placeholders",
        {"title": {"template": "水位告警 {"}},
        'sources[0].title.template: must be a text with {path} placeholders like "{labels.site} '
        'water above the warning level", not 水位告警 {',
    ),
    (
        "path and template",
        {"title": {"path": "labels.a", "template": "{labels.b}"}},
        "sources[0].title: give path or template, not both",
    ),
    (
        "half a location",
        {"location": {"area": {"default": "千岛湖镇"}}},
        "sources[0].location: map both area and address, or neither",
    ),
    (
        "a field the format fixes",
        {"fingerprint": {"path": "labels.id"}},
        "sources[0]: fingerprint is fixed by Alertmanager's format: an alertmanager source "
        "cannot set it",
    ),
    ("values not texts", {"severity": {"values": {"critical": 2}}}, "sources[0].severity.values"),
]


@pytest.mark.parametrize(("change", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_source_that_cannot_work_is_refused_at_start(change: dict[str, Any], line: str) -> None:
    table = alertmanager_source()
    for key, value in change.items():
        if value is None:
            table.pop(key)
        else:
            table[key] = value
    lines = _problems(table)
    assert any(found.startswith(line) for found in lines), lines


def test_json_sources_must_say_what_identifies_an_alert() -> None:
    no_fingerprint = {k: v for k, v in GAS.items() if k != "fingerprint"}
    assert _problems(no_fingerprint) == [
        "sources[0]: a json source must say where fingerprint comes from"
    ]
    no_title = {k: v for k, v in GAS.items() if k != "title"}
    assert _problems(no_title) == ["sources[0]: a json source must say where title comes from"]
    bad_status = {**GAS, "status": {"path": "state", "values": {"alarm": "on"}}}
    assert _problems(bad_status) == ["sources[0].status: on is not one of firing, resolved"]
    named_alertmanager = {**GAS, "name": "alertmanager"}
    assert _problems(named_alertmanager) == [
        'sources[0]: the source named alertmanager must have kind = "alertmanager"'
    ]


def test_two_sources_of_one_name_and_every_problem_at_once_in_chinese() -> None:
    broken = {**GAS, "severity": {"default": "V"}}
    lines = _problems(
        alertmanager_source(), {**GAS, "name": "alertmanager"}, broken, language="zh_CN"
    )
    assert 'sources[1]: 名为 alertmanager 的来源须为 kind = "alertmanager"' in lines
    assert "sources[2].severity: V 不是以下之一：I, II, III, IV" in lines
    duplicate = _problems(alertmanager_source(), alertmanager_source(), language="zh_CN")
    assert duplicate == ["sources: 来源名称 alertmanager 重复"]


def test_the_mapping_in_docs_api_md_loads() -> None:
    text = (CONFIG.parent / "docs" / "api.md").read_text()
    section = text[text.index("### `[[sources]]`: the mapping") :]
    block = section[section.index("```toml\n") + len("```toml\n") : section.index("\n```\n")]
    tables = tomllib.loads(block)["sources"]
    loaded = settings_from_table(config_table(sources=tables)).sources
    assert [(s.name, s.kind) for s in loaded] == [("alertmanager", "alertmanager"), ("gas", "json")]
    assert loaded[1].title.template == "{station}{gas}浓度超限"
