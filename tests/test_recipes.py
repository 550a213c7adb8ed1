"""recipes.fast_dcgan: the lever screen's measured settings, built and compiled in one call."""
import keras
import numpy as np
import pytest

from ganlab import data, models
from ganlab.experiments import recipes
from ganlab.training import GAN


def rate(optimizer):
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def test_fast_dcgan_sets_what_its_docstring_says():
    gan = recipes.fast_dcgan(seed=3)
    assert isinstance(gan, GAN)
    assert gan.generator.output_shape == (None, 28, 28, 1) and gan.discriminator.input_shape == (None, 28, 28, 1)
    # the numbers the docstring and the README state, measured by benchmarks/recipe_levers.py: a change of the
    # recipe must come with a new measurement, and this test says so
    assert rate(gan.generator_optimizer) == pytest.approx(8e-4)
    assert rate(gan.discriminator_optimizer) == pytest.approx(2e-4)
    for optimizer in (gan.generator_optimizer, gan.discriminator_optimizer):
        assert float(optimizer.beta_1) == pytest.approx(0.5)
    assert gan.ema_decay == pytest.approx(0.999) and gan.ema_generator is not None
    # the builders' networks, the generator with its refinement convolutions
    assert gan.generator.count_params() == models.dcgan_generator(refinements=recipes.REFINEMENTS).count_params()
    assert gan.generator.count_params() > models.dcgan_generator().count_params()
    assert gan.discriminator.count_params() == models.dcgan_discriminator().count_params()


def test_fast_dcgan_passes_its_weight_average_decay_on_and_refuses_a_bad_one():
    assert recipes.fast_dcgan(generator=models.dcgan_generator(width=8), ema_decay=0.9999).ema_decay == 0.9999
    with pytest.raises(ValueError, match="ema_decay"):
        recipes.fast_dcgan(generator=models.dcgan_generator(width=8), ema_decay=1.5)


def test_fast_dcgan_trains_and_samples_from_the_average():
    gan = recipes.fast_dcgan(seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (128, 28, 28, 1)).astype(np.float32)
    history = gan.fit(data.array_dataset(images, batch_size=64, seed=0), epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    averaged, raw = gan.sample(8, seed=1), gan.sample(8, seed=1, raw=True)
    assert averaged.shape == (8, 28, 28, 1) and np.all(np.abs(averaged) <= 1)
    assert not np.allclose(averaged, raw)  # sampling goes through the moving average, not the raw weights


def test_fast_dcgan_takes_other_networks_and_shapes():
    colour = recipes.fast_dcgan(image_shape=(32, 32, 3))
    assert colour.generator.output_shape == (None, 32, 32, 3)
    generator = models.dcgan_generator(image_shape=(32, 32, 3), width=16)
    gan = recipes.fast_dcgan(generator=generator)  # a discriminator is built for its images
    assert gan.generator is generator and gan.discriminator.input_shape == (None, 32, 32, 3)
    assert rate(gan.generator_optimizer) == pytest.approx(recipes.GENERATOR_RATE)


def test_fast_dcgan_with_decay_steps_holds_both_rates_for_half_the_run_then_falls_to_zero():
    gan = recipes.fast_dcgan(generator=models.dcgan_generator(width=8), seed=0, decay_steps=4)
    for optimizer, full in ((gan.generator_optimizer, recipes.GENERATOR_RATE),
                            (gan.discriminator_optimizer, recipes.DISCRIMINATOR_RATE)):
        schedule = optimizer.get_config()["learning_rate"]
        assert schedule["class_name"] == "HoldThenDecay" and schedule["config"] == {"rate": full, "steps": 4}
        assert rate(optimizer) == pytest.approx(full)  # step 0: held
    images = np.random.default_rng(0).uniform(-1, 1, (192, 28, 28, 1)).astype(np.float32)
    gan.fit(data.array_dataset(images, batch_size=64, seed=0), epochs=1, verbose=0)  # 3 of the 4 steps
    assert rate(gan.generator_optimizer) == pytest.approx(recipes.GENERATOR_RATE / 2)  # halfway down the decay
    assert rate(gan.discriminator_optimizer) == pytest.approx(recipes.DISCRIMINATOR_RATE / 2)
    schedule = recipes.HoldThenDecay(1.0, 100)
    assert [float(schedule(step)) for step in (0, 50, 75, 100, 150)] == pytest.approx([1, 1, 0.5, 0, 0])


@pytest.mark.bad_input
def test_fast_dcgan_refuses_a_decay_that_is_not_a_step_count():
    with pytest.raises(ValueError, match="steps"):
        recipes.fast_dcgan(decay_steps=0)


@pytest.mark.bad_input
def test_fast_dcgan_refuses_networks_that_do_not_fit():
    with pytest.raises(ValueError, match="discriminator expects"):
        recipes.fast_dcgan(generator=models.dcgan_generator(image_shape=(32, 32, 3)),
                           discriminator=models.dcgan_discriminator())


def test_wgan_gp_optimizers_are_the_papers_adam_with_a_faster_generator_and_fresh_each_call():
    from ganlab.training import WGAN

    generator_optimizer, critic_optimizer = recipes.wgan_gp_optimizers()
    # the rates and betas the docstring and the README state, measured by benchmarks/recipe_screens.py
    assert rate(generator_optimizer) == pytest.approx(4e-4) and rate(critic_optimizer) == pytest.approx(1e-4)
    for optimizer in (generator_optimizer, critic_optimizer):
        assert float(optimizer.beta_1) == 0.0 and float(optimizer.beta_2) == pytest.approx(0.9)
    again = recipes.wgan_gp_optimizers()  # two WGANs must never share an optimizer's slots
    assert again[0] is not generator_optimizer and again[1] is not critic_optimizer
    wgan = WGAN(models.dcgan_generator(width=8), models.dcgan_critic(width=8), critic_steps=2, seed=0)
    wgan.compile(*recipes.wgan_gp_optimizers())
    images = np.random.default_rng(0).uniform(-1, 1, (128, 28, 28, 1)).astype(np.float32)
    history = wgan.fit(data.array_dataset(images, batch_size=64, seed=0), epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert rate(wgan.generator_optimizer) == pytest.approx(4e-4)


def test_scores_by_epoch_scores_the_chosen_epochs_and_the_last_and_moves_the_data_order_on():
    from ganlab import metrics

    gan = recipes.fast_dcgan(generator=models.dcgan_generator(width=8), seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (128, 28, 28, 1)).astype(np.float32)
    dataset = data.array_dataset(images, batch_size=64, seed=0)
    reported = []
    scores = recipes.scores_by_epoch(gan, dataset, 3, metrics.image_statistics(images), checkpoints=(1,),
                                     n_samples=64, report=reported.append)
    assert [score["epoch"] for score in scores] == [1, 3] and reported == scores
    assert 0 < scores[0]["cpu_seconds"] < scores[1]["cpu_seconds"]
    assert all(np.isfinite(score["fd"]) and 0 <= score["readable"] <= 1 for score in scores)
    assert dataset.epoch == 3  # three epochs drawn, not epoch 0's order three times
