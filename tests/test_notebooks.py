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
FIGURES = {"01_model_tour": 4, "02_policy_briefing": 5, "03_sensitivity": 3, "04_discovery": 3}


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
        # A quick page says at its top that it is a test, not a result ...
        assert html.count("QUICK CHECK - NOT A RESULT") == 1
        assert html.index("QUICK CHECK") < html.index("Figure 1.")
        # ... its captions do not claim a run it did not make, and it links no deleted folder.
        assert "last five" not in html and "cadresim-kernel-" not in html
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
    # The missing chance splits exactly into the four barriers' parts (Shapley values).
    parts = briefings.missing_chance_parts(model, terms["cadre"])
    np.testing.assert_allclose(parts.sum(axis=1).to_numpy(),
                               terms.set_index("cadre").loc[parts.index, "missing chance"],
                               atol=1e-9)
    pyramid = briefings.pyramid_table(model)
    assert list(pyramid["posts"]) == list(model.organisation.capacity.sum(axis=0))
    assert (pyramid["serving"] + pyramid["vacant"] == pyramid["posts"]).all()
    assert pyramid["serving"].sum() == len(model.agent_table())


def _outputs_text(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            parts.append(o.get("text", ""))
            parts.append(o.get("data", {}).get("text/markdown", ""))
    return "".join(parts)


def test_report_reads_a_comparison_of_the_users_own_scenario_file(tmp_path):
    """`cadresim compare baseline my_policy.toml` then `cadresim report --results-dir`: the
    briefing reads the scenarios from the comparison (a file, with a schedule), not the library,
    and flags the papermill sizes it could not use."""
    from experiments import compare_scenarios

    policy = tmp_path / "my_policy.toml"
    policy.write_text('description = "My own mix."\n[params]\nworkload = 0.7\n'
                      '[[schedule]]\nyear = 0.5\nset = { fault_tolerance = 0.7 }\n')
    stored = tmp_path / "headline" / "compare"
    compare_scenarios("baseline", [str(policy)], replicates=2, years=1, seed=9, n_cadres=200,
                      workers=1, out=stored, progress=False)
    assert briefings.find_comparison(tmp_path / "headline") == stored
    effects, settings, _ = briefings.load_comparison(stored)
    assert set(effects["scenario"]) == {"my_policy"} and settings["seed"] == 9
    out = tmp_path / "report"
    main(["report", "--only", "02_policy_briefing", "--results-dir", str(tmp_path / "headline"),
          "-o", str(out), "-q"])
    nb = nbformat.read(out / "02_policy_briefing.ipynb", as_version=4)
    text = _outputs_text(nb)
    assert f"read the stored comparison in {stored}" in text
    assert "2 paired replicates of 200 cadres over 1 years" in text
    assert sum(_images(c) for c in nb.cells if c.cell_type == "code") == FIGURES[
        "02_policy_briefing"]
    html = (out / "02_policy_briefing.html").read_text()
    assert "My own mix." in html and "QUICK CHECK" not in html
    # Sizes passed with papermill that a stored comparison cannot honour are flagged in bold.
    nb = briefings.execute_notebook(briefings.notebook_path("02_policy_briefing"),
                                    {"results_dir": str(stored), "years": 10, "replicates": 3})
    text = _outputs_text(nb)
    assert "**The parameters years=10, replicates=3 were not used" in text
    assert "run with years=1, replicates=2" in text


def test_policy_briefing_honours_sizes_passed_with_papermill(tmp_path):
    nb = briefings.execute_notebook(
        briefings.notebook_path("02_policy_briefing"),
        {"years": 1, "replicates": 2, "n_cadres": 200, "seed": 4,
         "scenarios": ["strict_accountability"], "workers": 1})
    text = _outputs_text(nb)
    assert "ran a new comparison for this briefing: 1 scenarios vs baseline; 2 paired " \
           "replicates of 200 cadres over 1 years; results are the mean of year 1; " \
           "root seed 4" in text
    assert "were not used" not in text and "QUICK CHECK" not in text


def test_pages_hide_code_unless_asked(report_dir):
    nb = nbformat.read(report_dir / "01_model_tour.ipynb", as_version=4)
    code = "a value passed with papermill is used as is"
    assert code not in (report_dir / "01_model_tour.html").read_text()
    assert code in briefings.render_html(nb, show_code=True)


def test_quick_sensitivity_page_links_no_deleted_folder(report_dir):
    text = _outputs_text(nbformat.read(report_dir / "03_sensitivity.ipynb", as_version=4))
    assert "read from a tiny analysis made for this page" in text
    assert "removed once the page is made" in text and "summary.md" not in text


def test_a_notebooks_scratch_folder_is_removed_after_the_run(tmp_path):
    path = _notebook(tmp_path / "nb.ipynb", "from experiments import briefings\n"
                     "folder = briefings.scratch_dir()\n(folder / 'x.txt').write_text('x')\n"
                     "print(folder)")
    nb = briefings.execute_notebook(path)
    folder = Path(_outputs_text(nb).strip())
    assert "cadresim-kernel-" in str(folder) and not folder.exists()
