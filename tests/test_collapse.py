"""ganlab.experiments.collapse: every remedy trains under one recipe; tables, the best response, the mode timeline."""
import keras
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import ganlab  # noqa: E402
from ganlab.views import callbacks, plots
from ganlab.experiments import collapse
from ganlab import data  # noqa: E402
from ganlab.training import WGAN, UnrolledGAN  # noqa: E402

TINY = collapse.Recipe(steps=4, batch_size=32, generator_units=(16,), discriminator_units=(16,), refit_steps=10)


@pytest.mark.parametrize("method", collapse.METHODS)
def test_each_method_trains_and_is_counted(method):
    result = collapse.train(method, data.ring(), seed=0, recipe=TINY, samples=200)
    row = result.row()
    assert row["method"] == method and row["n_modes"] == 8 and 0 <= row["modes"] <= 8
    assert sum(row["histogram"]) == round(row["high_quality"] * 200)
    expected = {"unrolled5": UnrolledGAN, "wgan_gp": WGAN}.get(method)
    if expected:
        assert isinstance(result.gan, expected)
    # rejection sampling reports the same GAN's samples before it too
    assert (result.before_rejection is not None) == (method == "r1_drs")


def test_rejection_removes_samples_between_modes():
    # a GAN trained briefly with R1 spreads samples between the ring's modes; its refitted D vetoes them
    recipe = collapse.Recipe(steps=1500, batch_size=128, generator_units=(32, 32), discriminator_units=(32, 32),
                             refit_steps=1500)
    result = collapse.train("r1_drs", data.ring(), seed=0, recipe=recipe, samples=1000)
    assert result.coverage.high_quality > result.before_rejection.high_quality + 0.1


def test_many_steps_per_call_give_the_same_training():
    weights = []
    for per_call in (1, 10):
        ganlab.seed(0)
        gan, _ = collapse.build("r1", TINY)
        gan.compile(*(keras.optimizers.Adam(1e-3) for _ in range(2)), steps_per_execution=per_call)
        gan.fit(data.ring().dataset(batch_size=32, n_samples=32 * 20, seed=0), epochs=1, verbose=0)
        weights.append(gan.generator.get_weights() + gan.discriminator.get_weights())
    # Ten steps inside one graph may sum in another order than ten separate calls: allow float noise (a few
    # 1e-6 after 20 steps), far below one Adam step (1e-3), which a dropped or repeated step would show.
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=5e-5)


def test_build_names_the_methods_when_one_is_unknown():
    with pytest.raises(ValueError, match="pacgan4"):
        collapse.build("pacgan3x")


def test_packing_and_minibatch_std_change_only_the_discriminator():
    plain, _ = collapse.build("gan", TINY)
    packed, _ = collapse.build("pacgan4", TINY)
    std, _ = collapse.build("minibatch_std", TINY)
    assert plain.generator.count_params() == packed.generator.count_params() == std.generator.count_params()
    assert packed.discriminator.count_params() == plain.discriminator.count_params() + 16 * 2 * 3
    assert std.discriminator.count_params() == plain.discriminator.count_params() + 1


def test_table_gives_mean_and_standard_error_over_seeds():
    rows = [{"dataset": "grid", "method": "gan", "modes": m, "n_modes": 25, "high_quality": q, "kl": k,
             "seconds": 10.0} for m, q, k in ((20, 0.5, 0.2), (22, 0.7, 0.4), (24, 0.9, 0.6))]
    line = collapse.table(rows).splitlines()[1]
    # modes mean 22, standard error 2 / sqrt(3) = 1.15; quality 70.0 ± 11.5; KL 0.400 ± 0.115
    assert "22.0 ± 1.2 /25" in line and "70.0 ± 11.5" in line and "0.400 ± 0.115" in line and line.endswith("3")
    single = collapse.table(rows[:1]).splitlines()[1]
    assert "±" not in single and "20.0 /25" in single


def test_the_best_response_to_a_fixed_discriminator_is_collapse():
    # D likes the point (1, 1) most: every sample, wherever it starts, ends there
    def discriminator(x, training=False):
        return -keras.ops.sum(keras.ops.square(x - np.array([1.0, 1.0], np.float32)), axis=1, keepdims=True)

    start = np.random.default_rng(0).normal(0, 2, (300, 2))
    end = collapse.follow_discriminator(discriminator, start, steps=300, learning_rate=0.05)
    assert np.abs(end - 1.0).max() < 1e-2 and start.std() > 1.5
    with pytest.raises(ValueError, match="steps"):
        collapse.follow_discriminator(discriminator, start, steps=0)


def test_mode_coverage_callback_and_timeline():
    import ganlab

    ganlab.seed(0)
    gan, _ = collapse.build("gan", TINY)
    ring = data.ring()
    watch = callbacks.ModeCoverage(ring, every=2, n_samples=300)
    gan.fit(ring.dataset(batch_size=32, n_samples=32 * 4, seed=0), epochs=1, verbose=0, callbacks=[watch])
    assert watch.steps == [2, 4] and len(watch.coverages) == 2
    assert watch.values == [float(c.modes) for c in watch.coverages]
    ax = plots.mode_timeline(watch)
    shown = ax.images[0].get_array()
    assert shown.shape == (8, 2)
    counts = watch.coverages[-1].histogram
    np.testing.assert_allclose(shown[:, 1], counts / max(counts.sum(), 1))
    plt.close("all")
    with pytest.raises(ValueError, match="no measurements"):
        plots.mode_timeline(callbacks.ModeCoverage(ring))
    with pytest.raises(TypeError, match="toy mixture"):
        callbacks.ModeCoverage(np.zeros((10, 2)))


def test_heatmap_of_a_bare_discriminator_and_the_mode_histogram():
    from ganlab import metrics, models

    judge = models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), dropout=0)
    fig, ax = plt.subplots()
    image = plots.discriminator_heatmap(ax, judge, 2.0, resolution=10, colorbar=False)
    values = image.get_array()
    xs = np.linspace(-2, 2, 10, dtype=np.float32)
    expected = keras.ops.convert_to_numpy(keras.ops.sigmoid(judge(np.array([[xs[3], xs[7]]]))))[0, 0]
    assert values.shape == (10, 10) and np.isclose(values[7, 3], expected, atol=1e-6)
    ring = data.ring()
    coverage = metrics.mode_coverage(ring.sample(400, seed=0)[:50] * 0 + ring.centers[2], ring)
    ax = plots.mode_histogram(coverage)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [0, 0, 50, 0, 0, 0, 0, 0]
    assert ax.lines[0].get_ydata()[0] == 50 / 8
    plt.close("all")


def test_stacked_coverage_does_not_claim_a_quality_filter():
    from ganlab.metrics import Coverage

    toy = Coverage(modes=3, n_modes=8, high_quality=0.5, kl=0.1, histogram=np.ones(8))
    stacked = Coverage(modes=3, n_modes=1000, high_quality=1.0, kl=0.1, histogram=np.ones(1000),
                       all_samples_count=True)
    assert "50.0% high quality" in str(toy) and "high quality" not in str(stacked)


def test_r1_penalty_of_a_linear_discriminator_packed_or_not():
    from ganlab import losses, models

    w = np.array([0.5, -1.0, 2.0, 0.25], np.float32)
    x = keras.Input((4,))
    linear = keras.Model(x, keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(0))(x))
    linear.layers[-1].kernel.assign(w[:, None])
    real = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    expected = 0.5 * 3.0 * np.sum(w**2)
    assert np.isclose(float(losses.r1_penalty(linear, real, weight=3.0)), expected, rtol=1e-5)
    # packed two at a time: a pack of two 2-D samples is the same 4-D input, so the penalty is the same
    pair = models.packed(linear, 2)
    assert np.isclose(float(losses.r1_penalty(pair, real.reshape(16, 2), weight=3.0, pack=models.pack_size(pair))),
                      expected, rtol=1e-5)


def test_gan_adds_r1_only_when_asked(monkeypatch):
    from ganlab import losses
    from ganlab.training import GAN

    gan, _ = collapse.build("gan", TINY)
    real = np.zeros((4, 2), np.float32)
    logits = keras.ops.zeros((4, 1))
    plain = float(GAN(gan.generator, gan.discriminator).judge_loss(logits, logits, real=real))
    weighted = GAN(gan.generator, gan.discriminator, r1_weight=2.0)
    added = float(weighted.judge_loss(logits, logits, real=real)) - plain
    assert np.isclose(added, float(losses.r1_penalty(gan.discriminator, real, 2.0)), rtol=1e-5) and added > 0
    with pytest.raises(ValueError, match="r1_weight"):
        GAN(gan.generator, gan.discriminator, r1_weight=-1.0)
