"""ganlab.experiments.sweep: aggregating over seeds, storing and loading, the heat maps and the interactive view."""
import dataclasses

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from ganlab.experiments import sweep  # noqa: E402
from ganlab.views import sweep_plots  # noqa: E402


def fake_rows():
    """Two learning rates x two beta_1 x two seeds, with known numbers (no training)."""
    rows = []
    for lr in (1e-4, 8e-4):
        for beta in (0.0, 0.5):
            for seed in (0, 1):
                settings = sweep.Settings(generator_lr=lr, beta_1=beta)
                fd = 100 * (1 + (lr > 2e-4)) + 10 * beta + 4 * seed  # seeds 4 apart: half-range 2
                rows.append(dataclasses.asdict(settings) | {
                    "seed": seed, "steps": 10, "fd": fd, "precision": 0.5 + 0.1 * seed, "recall": 0.3,
                    "density": 1.0, "coverage": 0.6, "cpu_seconds": 2.0,
                    "samples": np.full((4, 28, 28), 40 * seed + int(lr * 1e5), np.uint8)})
    return rows


def test_aggregate_gives_mean_and_half_range_over_seeds():
    summary = sweep.aggregate(fake_rows())
    assert len(summary) == 4
    point = summary[sweep.Settings(generator_lr=8e-4, beta_1=0.5)]
    assert point["seeds"] == 2
    assert point["fd"] == pytest.approx((207.0, 2.0))
    assert point["precision"] == pytest.approx((0.55, 0.05))
    between, within = sweep.spread_over_settings_and_seeds(fake_rows())
    assert between == pytest.approx(105.0) and within == pytest.approx(2.0)
    assert "± " in sweep.table(fake_rows()) and "(2 seeds)" in sweep.table(fake_rows())


def test_save_and_load_keep_rows_and_samples(tmp_path):
    rows = fake_rows()
    sweep.save(rows, tmp_path, machine="test machine")
    loaded, machine = sweep.load(tmp_path)
    assert machine == "test machine" and len(loaded) == len(rows)
    assert loaded[3]["fd"] == rows[3]["fd"]
    np.testing.assert_array_equal(loaded[5]["samples"], rows[5]["samples"])
    assert sweep.load(tmp_path / "absent") is None


def test_heatmap_and_strip_draw_every_point():
    import matplotlib.pyplot as plt

    ax = sweep_plots.heatmap(fake_rows(), x="generator_lr", y="beta_1", measure="fd")
    assert ax.images[0].get_array().shape == (2, 2)
    assert sorted(t.get_text() for t in ax.texts)[0].startswith("102\n± 2")
    base = sweep.Settings(generator_lr=1e-4, beta_1=0.0)
    strip = sweep_plots.factor_strip(fake_rows(), base, "beta_1")
    assert strip.images[0].get_array().shape == (1, 2)
    plt.close("all")


def test_explorer_follows_the_chosen_settings():
    explorer = sweep_plots.SweepExplorer(fake_rows(), display=True)
    assert explorer.fields == ["generator_lr", "beta_1"]
    assert explorer.choose(generator_lr=8e-4, beta_1=0.5)
    assert "FD 207.0 ± 2.0" in explorer.text and explorer.png.startswith(b"\x89PNG")
    assert explorer._image.value == explorer.png
    explorer._dropdowns["generator_lr"].value = 1e-4  # what a learner does
    assert explorer.settings.generator_lr == 1e-4 and "FD 107.0" in explorer.text
    assert not explorer.choose(batch_size=17)
    assert explorer.text.startswith("not in the sweep") and explorer.png == b""
    with pytest.raises(ValueError, match="unknown settings"):
        explorer.choose(momentum=0.9)


def test_a_short_run_returns_a_full_row():
    row = sweep.run(sweep.Settings(batch_size=16, discriminator_steps=2, width=8), seed=3, steps=3, fd_samples=40,
                    grid=4, limit=64)
    for name in sweep.MEASURES:
        assert np.isfinite(row[name])
    assert row["samples"].shape == (4, 28, 28) and row["samples"].dtype == np.uint8
    assert row["discriminator_steps"] == 2 and row["seed"] == 3 and row["steps"] == 3


def test_each_pass_of_a_run_draws_a_new_data_order(monkeypatch):
    """run() trains in one-epoch fit calls; each must see a new order, not epoch 0's again."""
    import tensorflow as tf

    calls = []  # per fit call, the batches it read, each named by the sum of its pixels
    mnist, fit = sweep.data.mnist, sweep.GAN.fit

    def recording_mnist(**kwargs):
        pipeline = mnist(**kwargs)

        def record(batch):
            def note(values):
                calls[-1].append(float(values.numpy().sum()))
                return values
            recorded = tf.py_function(note, [batch], tf.float32)
            recorded.set_shape(batch.shape)
            return recorded

        return pipeline.share_epochs(pipeline.map(record))  # still keyed by fit's epoch clock

    def recording_fit(self, *args, **kwargs):
        calls.append([])
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(sweep, "data", type("Data", (), {"mnist": staticmethod(recording_mnist),
                                                         "load_images": sweep.data.load_images}))
    monkeypatch.setattr(sweep.GAN, "fit", recording_fit)
    # 64 images in batches of 16: 4 steps an epoch, so 8 steps are two one-epoch fit calls.
    sweep.run(sweep.Settings(batch_size=16, width=8), seed=3, steps=8, fd_samples=40, grid=4, limit=64)
    assert len(calls) == 2 and all(len(batches) >= 4 for batches in calls)
    first, second = calls[0][-4:], calls[1][-4:]  # the training steps (fit may peek at a batch first)
    assert first != second, f"the second pass repeated the first pass's order: {first}"
