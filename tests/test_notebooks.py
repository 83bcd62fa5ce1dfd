"""The briefing notebooks: executed at test size, rendered to HTML, committed without outputs.

The three notebooks run once (module fixture) through ``cadresim report --quick``, the command a
user runs; the other tests read what it wrote. Helpers of ``experiments.briefings`` that the
notebooks rely on are tested on small seeded models against known answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from experiments import briefings
from experiments.briefings import notebooks
from experiments.cli import main
from experiments.errors import UserError

#: Figures each notebook must draw (each followed by a "**Figure N.**" caption).
FIGURES = {"01_model_tour": 4, "02_policy_briefing": 4, "03_sensitivity": 3, "04_discovery": 3}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """``cadresim report --quick`` into a fresh folder (every notebook executed once)."""
    out = tmp_path_factory.mktemp("report") / "report"
    main(["report", "--quick", "--out", str(out)])
    return out


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


# ------------------------------------------------------------------------------ executed notebooks
def test_report_writes_one_page_per_notebook(report_dir):
    manifest = json.loads((report_dir / "report_manifest.json").read_text())
    assert manifest["quick"] is True
    assert "git" in manifest["provenance"] and "packages" in manifest["provenance"]
    for name in briefings.NOTEBOOKS:
        html = (report_dir / f"{name}.html").read_text()
        assert html.count("data:image/png;base64") >= FIGURES[name]
        assert "Figure 1." in html
        assert "Traceback" not in html
        assert manifest["notebooks"][name]["parameters"] == {"quick": True}
    assert not list(report_dir.glob(".*.tmp"))  # atomic writes leave no temporary files


@pytest.mark.parametrize("name", briefings.NOTEBOOKS)
def test_notebook_runs_without_errors_and_captions_every_figure(report_dir, name):
    nb = nbformat.read(report_dir / f"{name}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # No warnings or stray messages in a briefings.
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    figures = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _images(cell):
            figures += _images(cell)
            caption = nb.cells[i + 1]
            assert caption.cell_type == "markdown" and caption.source.startswith("**Figure"), \
                f"figure in cell {i} of {name} has no caption under it"
    assert figures == FIGURES[name]


@pytest.mark.parametrize("name", briefings.NOTEBOOKS)
def test_committed_notebooks_are_stripped_thin_and_parameterised(name):
    path = briefings.notebook_path(name)
    nb = nbformat.read(path, as_version=4)
    assert not briefings.has_outputs(nb), f"run `cadresim strip-notebooks` before committing {name}"
    assert "quick" in briefings.notebook_parameters(path)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "def " not in code and "class " not in code  # logic lives in the package
    for line in code.splitlines():  # every model a notebook builds is seeded
        if "CadreModel(" in line and "import" not in line:
            assert "seed=" in line


# ------------------------------------------------------------------------------ execution helpers
def _notebook(path: Path, *sources: str) -> Path:
    cells = [nbformat.v4.new_code_cell("quick = False")]
    cells[0].metadata["tags"] = ["parameters"]
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_failing_notebook_is_one_line_naming_notebook_and_cell(tmp_path, monkeypatch, capsys):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    _notebook(nb_dir / "01_model_tour.ipynb", "x = 1", "ratio = 1 / 0  # boom")
    monkeypatch.setattr(notebooks, "NOTEBOOK_DIR", nb_dir)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["report", "--quick", "--only", "01_model_tour", "--out", str(out)])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[:-1] == ["executing 01_model_tour.ipynb (quick) ..."]  # progress, then 1 line
    err = lines[-1]
    assert "Traceback" not in err
    assert err.startswith("error: notebook 01_model_tour.ipynb failed in code cell 4")
    assert "ratio = 1 / 0" in err and "ZeroDivisionError" in err
    assert not out.exists()  # nothing half-written


def test_unknown_parameter_and_missing_sweep_are_refused_before_running(tmp_path):
    path = _notebook(tmp_path / "nb.ipynb", "x = 1")
    with pytest.raises(UserError, match="has no parameter colour; its parameters are quick"):
        briefings.execute_notebook(path, {"colour": 1})
    with pytest.raises(UserError, match="no indices.csv"):
        briefings.build_report(tmp_path / "out", quick=False, names=["03_sensitivity"],
                             parameters={"03_sensitivity": {"sweep_dir": str(tmp_path)}})
    assert not (tmp_path / "out").exists()


def test_strip_file_clears_outputs_once(report_dir, tmp_path):
    copy = tmp_path / "executed.ipynb"
    copy.write_text((report_dir / "01_model_tour.ipynb").read_text())
    assert briefings.has_outputs(nbformat.read(copy, as_version=4))
    assert briefings.strip_file(copy) is True
    assert not briefings.has_outputs(nbformat.read(copy, as_version=4))
    assert briefings.strip_file(copy) is False


# ------------------------------------------------------------------------------ briefing helpers
def test_group_counts_add_up_to_the_models_innovation_rate():
    from model import CadreModel

    model = CadreModel(seed=11, n_cadres=200)
    for _ in range(6):
        model.step()
    counts = briefings.genuine_by_group(model)
    rate = model.datacollector.get_model_vars_dataframe()["innovation_rate"].iloc[-1]
    for grouping in ("rank", "age band", "unit type"):
        k = sum(v[0] for key, v in counts.items() if key[0] == grouping)
        n = sum(v[1] for key, v in counts.items() if key[0] == grouping)
        assert n == len(model.agent_table())
        assert k / n == pytest.approx(rate)


def test_who_gains_is_paired_and_zero_for_an_identical_policy():
    from experiments.scenario import Scenario, load_scenario

    same = Scenario("same_as_baseline", "defaults under another name")
    gains = briefings.who_gains("baseline", [same, load_scenario("strict_accountability")],
                              replicates=2, years=1.5, seed=5, n_cadres=200, tail_years=1)
    assert set(gains["grouping"]) == {"rank", "age band", "unit type"}
    ident = gains[gains["scenario"] == "same_as_baseline"]
    assert np.all(ident["mean_diff"] == 0) and np.all(ident["ci_high"] == 0)
    strict = gains[gains["scenario"] == "strict_accountability"]
    assert (strict["mean_diff"] != 0).any()
    assert np.allclose(strict["value"] - strict["baseline"], strict["mean_diff"])
    on_two = briefings.who_gains("baseline", [same, load_scenario("strict_accountability")],
                               replicates=2, years=1.5, seed=5, n_cadres=200, tail_years=1,
                               workers=2)
    assert on_two.equals(gains)  # the number of processes does not change a number
    matrix = briefings.gains_matrix(gains)
    assert list(matrix.columns[:4]) == ["staff", "deputy", "head", "county leader"]


def test_explained_cadres_are_bound_by_their_largest_barrier():
    from model import CadreModel

    model = CadreModel(seed=3, n_cadres=200)
    for _ in range(8):
        model.step()
    terms, gains = briefings.explain_examples(model)
    assert "none (innovated)" in set(terms["binding barrier"])
    for cadre, barrier in zip(terms["cadre"], terms["binding barrier"], strict=True):
        if barrier != "none (innovated)":
            assert gains.loc[cadre].idxmax() == barrier
    pyramid = briefings.pyramid_table(model)
    assert list(pyramid["posts"]) == list(model.organisation.capacity.sum(axis=0))
    assert (pyramid["serving"] + pyramid["vacant"] == pyramid["posts"]).all()
    assert pyramid["serving"].sum() == len(model.agent_table())


def test_policy_briefing_reads_a_stored_comparison(tmp_path):
    from experiments import compare_scenarios

    stored = tmp_path / "headline" / "compare"
    compare_scenarios("baseline", ["credible_fault_tolerance"], replicates=2, years=1, seed=9,
                      n_cadres=200, workers=1, out=stored, progress=False)
    assert briefings.find_comparison(tmp_path / "headline") == stored
    effects, settings, _ = briefings.load_comparison(stored)
    nb = briefings.execute_notebook(briefings.notebook_path("02_policy_briefing"),
                                  {"quick": False, "results_dir": str(tmp_path / "headline")})
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert f"read the stored comparison in {stored}" in text
    assert "2 paired replicates of 200 cadres over 1 years" in text
    assert sum(_images(c) for c in nb.cells if c.cell_type == "code") == 4
    assert set(effects["scenario"]) == {"credible_fault_tolerance"} and settings["seed"] == 9


def test_pages_hide_code_unless_asked(report_dir):
    nb = nbformat.read(report_dir / "01_model_tour.ipynb", as_version=4)
    assert "the same code path at test size" not in (report_dir / "01_model_tour.html").read_text()
    assert "the same code path at test size" in briefings.render_html(nb, show_code=True)


def test_quick_sensitivity_scratch_folder_is_removed_after_the_run(report_dir):
    nb = nbformat.read(report_dir / "03_sensitivity.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    folder = Path(text.split("analysis read from ", 1)[1].split(":", 1)[0])
    assert folder.name == "sensitivity" and "cadresim-kernel-" in str(folder)
    assert not folder.exists()
