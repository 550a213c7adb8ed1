"""The package's folders are its layers: no import against their order, none hidden inside a function."""
from pathlib import Path

from ganlab.course import layers


def test_no_import_runs_against_the_layer_order_or_hides_in_a_function():
    assert layers.problems() == []


def test_the_check_finds_a_wrong_way_import_and_a_hidden_one(tmp_path, monkeypatch):
    package = tmp_path / "ganlab"
    (package / "data").mkdir(parents=True)
    (package / "views").mkdir()
    (package / "__init__.py").write_text("")
    (package / "data" / "__init__.py").write_text("")
    (package / "views" / "__init__.py").write_text("")
    (package / "data" / "bad.py").write_text("from ganlab.views import plots\n")
    (package / "views" / "plots.py").write_text("def f():\n    from ganlab import data\n    return data\n")
    monkeypatch.setattr(layers, "PACKAGE", package)
    found = layers.problems()
    assert len(found) == 2
    assert any("bad.py:1" in line and "later layer views" in line for line in found)
    assert any("plots.py:2" in line and "inside a function" in line for line in found)


def test_every_module_has_a_layer_and_the_picture_draws(tmp_path):
    names = layers.modules()
    assert all(layers.layer_of(name) in layers.LAYERS for name in names)
    assert {"ganlab.training.core", "ganlab.views.plots", "ganlab.course.cli"} <= set(names)
    assert layers.draw(tmp_path / "layers.png").stat().st_size > 10_000
    assert (Path(__file__).parents[1] / "docs" / "layers.png").exists()  # the README's copy
