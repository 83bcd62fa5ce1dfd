"""docs/ODD.md must stay true to the code: its parameter table is generated from the declaration,
every parameter and output is discussed in its text, every mechanism has a subsection, and the
design constants it quotes have the values the code uses."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from model import MECHANISMS, OUTPUTS, PARAMETERS

DOCS = Path(__file__).resolve().parents[1] / "docs"
ODD = DOCS / "ODD.md"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_parameter_table",
                                                  DOCS / "make_parameter_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _load_script()
TEXT = ODD.read_text(encoding="utf-8")


def _prose() -> str:
    """ODD.md without the generated table, so mentions must come from the written text."""
    begin, end = TEXT.index(SCRIPT.BEGIN), TEXT.index(SCRIPT.END)
    return TEXT[:begin] + TEXT[end:]


def test_parameter_tables_match_the_declaration():
    assert SCRIPT.splice_all(TEXT) == TEXT, (
        "docs/ODD.md parameter tables are out of date; run python docs/make_parameter_table.py")


def test_lever_table_has_every_lever_with_reform_range_and_cost_basis():
    table = TEXT[TEXT.index(SCRIPT.LEVERS_BEGIN):TEXT.index(SCRIPT.LEVERS_END)]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    levers = [p for p in PARAMETERS if p.kind == "lever"]
    assert [r.split("`")[1] for r in rows] == [p.name for p in levers]
    for p in levers:
        low, high = p.reform_range
        assert p.low <= low <= p.default <= high <= p.high or p.low <= low <= high <= p.high, p.name
        assert low <= p.reform <= high, f"{p.name}: reform value outside its reform range"
        assert p.reform_reason and p.cost_basis, f"{p.name} lacks a reform reason or cost basis"


def test_table_has_one_row_per_parameter_with_its_source():
    table = TEXT[TEXT.index(SCRIPT.BEGIN):TEXT.index(SCRIPT.END)]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == [p.name for p in PARAMETERS]
    for p, row in zip(PARAMETERS, rows, strict=True):
        assert row.rstrip(" |").endswith(p.source.replace("|", "\\|")), p.name


@pytest.mark.parametrize("name", [p.name for p in PARAMETERS])
def test_every_parameter_is_discussed_in_the_text(name):
    assert f"`{name}`" in _prose(), f"parameter {name} is not described outside the table"


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_every_output_is_described(name):
    assert f"`{name}`" in _prose(), f"output {name} is not described in docs/ODD.md"


@pytest.mark.parametrize("mech", list(MECHANISMS))
def test_every_mechanism_has_a_subsection_naming_its_file(mech):
    heads = [m for m in re.finditer(r"^### .*$", TEXT, flags=re.M)]
    found = [i for i, m in enumerate(heads) if re.search(rf"\b{mech}\b", m.group(0))]
    assert found, f"no '### ... {mech} ...' subsection in docs/ODD.md"
    head = heads[found[0]]
    end = heads[found[0] + 1].start() if found[0] + 1 < len(heads) else len(TEXT)
    section = TEXT[head.start():end]
    first_file = re.search(r"\((\w+\.py)", MECHANISMS[mech]).group(1)
    assert first_file in head.group(0), f"{mech} subsection heading should name {first_file}"
    declared = [p.name for p in PARAMETERS if p.mechanism == mech]
    missing = [n for n in declared if f"`{n}`" not in section]
    assert not missing, f"{mech} subsection does not list its parameters {missing}"


#: Every design constant of the model (docs/ODD.md section 8), by the module that defines it.
DESIGN_CONSTANTS = {
    "calendar": ("QUARTERS_PER_YEAR", "QUARTER"),
    "population": ("SIZES", "SYMBOLIC_CLAIM", "SYMBOLIC_TIME", "N_TIES", "AMBITION_SD",
                   "THRESHOLD_SD", "MOTIVATION_SD", "MOTIVATION_MAX", "COMPETENCE_SD",
                   "TRAIT_LO", "TRAIT_HI", "BELIEF_SD", "ROUTINE_START", "ROUTINE_START_SD",
                   "MAX_START_TENURE", "START_AGE", "RECRUIT_AGE", "RECRUIT_AGE_SPAN"),
    "decision": ("UNPREPARED", "ENGAGEMENT", "NEUTRAL_AMBITION", "RISK_WEIGHT_BASE"),
    "accountability": ("SHAM_MEMORY", "RECENT_MEMORY"),
    "incentives": ("CAREER_HORIZON",),
    "leaders": ("STANCE_OWN", "RECENT_FULL", "STANCE_RISK", "NEUTRAL_RISK", "STANCE_GUARD"),
    "training": ("CONSOLIDATION", "REFERENCE_CLASS", "REFERENCE_DAYS", "METHOD_BASE",
                 "PEERS_FULL", "STRESS_LEARNING", "LEADER_TRANSFER"),
    "workload": ("SANCTION_STRESS", "TIME_SOFTNESS", "STRESS_WIDTH"),
    "promotion": ("MIN_YEARS_IN_RANK", "RECORD_RETENTION", "PROMOTION_LIFT", "CEILING_DECAY",
                  "VACANCY_RATE", "ODDS_UPDATE"),
    "demography": ("EXIT_STRESS",),
    "model": ("ROUTINE_ADJUST", "ROUTINE_BASE", "ROUTINE_SKILL", "ROUTINE_INSPECTION",
              "ROUTINE_DISTRACTION", "MIN_CADRES", "MAX_CADRES"),
    "organisation": ("MIN_UNITS", "MIN_COUNTY_POSTS", "UNIT_LOAD_RANGE", "TOWNSHIP_LOAD"),
    "outputs": ("BURNOUT_STRESS",),
    "costs": ("LOST_DAY_SHARE",),
}
_CONSTANT_ROW = r"^\| `(\w+)` \| (\w+\.py) \| ([^|]*) \|"


def _design_table() -> dict[str, tuple[str, str]]:
    """name -> (file, value) of every row of the design-constants table."""
    section = TEXT[TEXT.index("## 8 Design constants"):TEXT.index("## References")]
    return {m.group(1): (m.group(2), m.group(3).strip())
            for m in re.finditer(_CONSTANT_ROW, section, flags=re.M)}


@pytest.mark.parametrize("module, name", [(m, n) for m, names in DESIGN_CONSTANTS.items()
                                          for n in names])
def test_design_constants_table_quotes_the_code(module, name):
    value = repr(getattr(importlib.import_module(f"model.{module}"), name))
    table = _design_table()
    assert name in table, f"design constant {name} missing from section 8 of docs/ODD.md"
    assert table[name] == (f"{module}.py", value), f"{name} is {value} in model/{module}.py"


def test_design_constants_table_lists_no_constant_the_code_lacks():
    listed = {n for names in DESIGN_CONSTANTS.values() for n in names}
    stale = sorted(set(_design_table()) - listed)
    assert not stale, f"section 8 of docs/ODD.md lists constants the code no longer has: {stale}"


def test_script_check_detects_drift_and_rewrites(tmp_path):
    doc = tmp_path / "ODD.md"
    first = PARAMETERS[0]
    doc.write_text(TEXT.replace(f"| `{first.name}` | {first.default:g} |",
                                f"| `{first.name}` | 999 |"), encoding="utf-8")
    assert SCRIPT.main(["--check", "--path", str(doc)]) == 1
    assert SCRIPT.main(["--path", str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == TEXT
    assert SCRIPT.main(["--check", "--path", str(doc)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ODD.md"]  # no temp file left


def test_script_rejects_a_document_without_markers(tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    doc.write_text("# no table here\n", encoding="utf-8")
    assert SCRIPT.main(["--path", str(doc)]) == 2
    assert "PARAMETERS:BEGIN" in capsys.readouterr().err
    assert doc.read_text(encoding="utf-8") == "# no table here\n"
