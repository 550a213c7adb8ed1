"""ganlab.experiments.control, bias and families: the pieces notebook 10's experiments rest on, on known cases."""
import keras
import numpy as np
import pytest

from ganlab import data
from ganlab.experiments import bias, control, families


def test_class_mix_and_skewed_indices():
    mix = bias.class_mix({3: 0.02, 5: 0.2})
    assert mix.sum() == pytest.approx(1) and mix[3] == 0.02 and mix[0] == pytest.approx(0.78 / 8)
    labels = np.repeat(np.arange(10), 100)
    picked = bias.skewed_indices(labels, {3: 0.02, 5: 0.2}, n=400, seed=1)
    counts = np.bincount(labels[picked], minlength=10)
    assert counts[3] == 8 and counts[5] == 80 and len(np.unique(picked)) == len(picked)
    with pytest.raises(ValueError, match="more images"):
        bias.skewed_indices(labels, {3: 0.02, 5: 0.2}, n=1000)
    with pytest.raises(ValueError, match="add up"):
        bias.class_mix({1: 0.6, 2: 0.5})
    np.testing.assert_allclose(bias.amplification([0.01, 0.3], [0.02, 0.2]), [0.5, 1.5])


def test_ink_and_regression_direction():
    images = np.stack([np.full((28, 28, 1), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    np.testing.assert_allclose(np.asarray(control.ink(images)), [0.0, 0.5, 1.0])
    rng = np.random.default_rng(0)
    z = rng.standard_normal((500, 6))
    truth = np.array([3.0, 0.0, -4.0, 0.0, 0.0, 0.0])
    direction = control.regression_direction(z, z @ truth + 2.0 + 0.01 * rng.standard_normal(500))
    np.testing.assert_allclose(direction, truth / 5.0, atol=1e-3)
    path = control.direction_edit(z[:2], direction, step_size=0.5, steps=4)
    assert len(path) == 5 and np.linalg.norm(path[-1] - path[0], axis=1) == pytest.approx([2.0, 2.0], rel=1e-5)


def test_gradient_edit_climbs_a_linear_score():
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, use_bias=False)])
    generator.layers[0].set_weights([np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], np.float32)])
    path = control.gradient_edit(generator, lambda x: x[:, 0], np.zeros((2, 3), np.float32), step_size=0.5, steps=3)
    np.testing.assert_allclose(path[-1], [[1.5, 0, 0], [1.5, 0, 0]], atol=1e-6)  # along the first axis, 0.5 a step


def test_train_for_stops_after_the_budget():
    class Counter(keras.Model):
        def __init__(self):
            super().__init__()
            self.calls = 0
            self.built = True

        def fit(self, *args, steps_per_epoch=1, **kwargs):
            self.calls += 1
            sum(range(200_000))  # some CPU time

    model = Counter()
    spent = families.train_for(model, data.array_dataset(np.zeros((8, 2), np.float32), 4), cpu_seconds=0.05, chunk=3)
    assert spent.steps == 3 * model.calls and spent.cpu_seconds >= 0.05 and model.calls >= 1


def test_a_stored_comparison_is_tabled_from_its_numbers(tmp_path):
    row = {"cpu_seconds": 600.4, "wall_seconds": 900.0, "steps": 7200, "FD": 12.345, "precision": 0.71,
           "recall": 0.93, "density": 0.8, "coverage": 0.6, "readable": 0.88, "memorisation": 1.5}
    result = {"families": {"gan": {"curve": [dict(row, FD=80.0), row], "ms_per_image": 0.25},
                           "diffusion": {"curve": [dict(row, FD=432.1)], "ms_per_image": 15.0,
                                         "ddim": {"5": dict(row, FD=999.0, ms_per_image=3.5)}}},
              "real": dict(row, FD=1.3)}
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "result.json").write_text(__import__("json").dumps(result))
    text = families.table(families.load("mnist", folder=tmp_path))
    assert "| gan | 600 | 7,200 | 12.3 | 0.71 |" in text     # the last measurement, not the first
    assert "| diffusion | 600 | 7,200 | 432 |" in text and "| 5 | 999 |" in text and "| 1.3 |" in text
    assert families.load("fashion_mnist", folder=tmp_path) is None
