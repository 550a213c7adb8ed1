"""ganlab.models.style: the maths of modulation, AdaIN, truncation and mixing, shapes, errors, and training under GAN."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlab
from ganlab import data, models
from ganlab.models import style
from ganlab.training import GAN, load_generator


@pytest.fixture(scope="module")
def generator():
    ganlab.seed(0)
    g = style.style_generator(latent_dim=8, w_dim=8, mapping_depth=2, channels=(8, 8, 4))
    for layer in g._flatten_layers():  # noise strengths start at 0; give them a value so that noise matters
        if isinstance(layer, style.NoiseInjection):
            layer.strength.assign(np.full(layer.strength.shape, 0.5, np.float32))
    return g


def rng(seed=0):
    return np.random.default_rng(seed)


# -- the maths ---------------------------------------------------------------------------------------------

def test_demodulated_weights_have_unit_norm_per_output_channel():
    weight = rng().normal(size=(3, 3, 5, 7)).astype(np.float32)
    style_scales = rng(1).normal(1, 0.5, size=(4, 5)).astype(np.float32)
    w = keras.ops.convert_to_numpy(style.modulated_weights(weight, style_scales))
    assert w.shape == (4, 3, 3, 5, 7)
    norms = np.sqrt((w.astype(np.float64) ** 2).sum(axis=(1, 2, 3)))  # (batch, out)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    raw = keras.ops.convert_to_numpy(style.modulated_weights(weight, style_scales, demodulate=False))
    np.testing.assert_allclose(raw, weight[None] * style_scales[:, None, None, :, None], rtol=1e-6)


@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv_equals_each_sample_convolved_with_its_own_weights(demodulate):
    x = rng(2).normal(size=(3, 6, 6, 5)).astype(np.float32)
    weight = rng(3).normal(size=(3, 3, 5, 4)).astype(np.float32)
    scales = rng(4).normal(1, 0.5, size=(3, 5)).astype(np.float32)
    got = keras.ops.convert_to_numpy(style.modulated_conv2d(x, weight, scales, demodulate=demodulate))
    per_sample = keras.ops.convert_to_numpy(style.modulated_weights(weight, scales, demodulate=demodulate))
    expected = np.concatenate([tf.nn.conv2d(x[i:i + 1], per_sample[i], 1, "SAME").numpy() for i in range(3)])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs():
    x = rng(5).normal(size=(2, 32, 32, 16)).astype(np.float32)
    weight = rng(6).normal(size=(3, 3, 16, 8)).astype(np.float32)
    scales = np.array([np.full(16, 0.01), np.full(16, 50.0)], np.float32)  # tiny and huge styles
    y = keras.ops.convert_to_numpy(style.modulated_conv2d(x, weight, scales))[:, 2:-2, 2:-2]  # away from padding
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=0.15)


def test_adain_gives_each_feature_map_the_styles_mean_and_scale():
    x = rng(7).normal(3, 2, size=(2, 5, 5, 3)).astype(np.float32)
    scale, bias = np.array([[1, 2, 3], [0.5, 1, 4]], np.float32), np.array([[0, 1, -1], [2, 0, 0]], np.float32)
    y = keras.ops.convert_to_numpy(style.adain(x, scale, bias))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), bias, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), scale, rtol=1e-4)


def test_truncation_interpolates_towards_the_mean():
    w, w_avg = rng(8).normal(size=(4, 6)), rng(9).normal(size=6)
    np.testing.assert_allclose(style.truncate(w, w_avg, 1.0), w, rtol=1e-6)
    np.testing.assert_allclose(style.truncate(w, w_avg, 0.0), np.broadcast_to(w_avg, w.shape), rtol=1e-6)
    np.testing.assert_allclose(style.truncate(w, w_avg, 0.25), w_avg + 0.25 * (w - w_avg), rtol=1e-5)


def test_mix_styles_takes_early_layers_from_the_first_w():
    w1, w2 = np.zeros((2, 3)), np.ones((2, 3))
    ws = style.mix_styles(w1, w2, crossover=2, num_ws=5)
    assert ws.shape == (2, 5, 3)
    np.testing.assert_array_equal(ws[:, :, 0], [[0, 0, 1, 1, 1]] * 2)
    np.testing.assert_array_equal(style.mix_styles(w1, w2, 0, 5), np.ones((2, 5, 3)))
    np.testing.assert_array_equal(style.mix_styles(w1, w2, 5, 5), np.zeros((2, 5, 3)))


def test_the_mapping_learns_lr_multiplier_times_slower():
    for lr_multiplier in (1.0, 0.01):
        keras.utils.set_random_seed(0)
        layer = style.ScaledDense(4, lr_multiplier=lr_multiplier)
        x = tf.constant(rng(10).normal(size=(16, 9)).astype(np.float32))
        layer.build(x.shape)
        used_before = keras.ops.convert_to_numpy(layer.kernel) * layer.weight_scale
        optimizer = keras.optimizers.Adam(1e-3)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_variables), layer.trainable_variables))
        used_after = keras.ops.convert_to_numpy(layer.kernel) * layer.weight_scale
        # Adam's first step moves every stored weight by the learning rate: the used weight by lr * scale.
        np.testing.assert_allclose(np.abs(used_after - used_before).max(), 1e-3 * lr_multiplier / math.sqrt(9),
                                   rtol=5e-2)  # float32 rounding of stored weights near 100
        assert np.std(used_before) == pytest.approx(1 / 3, rel=0.35)  # N(0, 1 / fan_in) in use, either way


# -- the generator -----------------------------------------------------------------------------------------

def test_shapes(generator):
    mapping, synthesis = style.parts(generator)
    assert generator.input_shape == (None, 8) and generator.output_shape == (None, 28, 28, 1)
    assert mapping.output_shape == (None, 8) and synthesis.input_shape == (None, 5, 8)
    assert style.num_styles(generator) == 5
    images = keras.ops.convert_to_numpy(generator(rng().normal(size=(3, 8)).astype(np.float32)))
    assert images.shape == (3, 28, 28, 1) and np.abs(images).max() <= 1
    rgb = style.style_generator(latent_dim=4, w_dim=4, image_shape=(32, 32, 3), channels=4, upsamplings=3,
                                style="adain")
    assert rgb.output_shape == (None, 32, 32, 3) and style.num_styles(rgb) == 7


def test_truncation_with_psi_zero_gives_the_mean_w_image_for_any_z(generator):
    w_avg = style.w_average(generator, n=500)
    z = rng(11).normal(size=(6, 8)).astype(np.float32) * 3
    images = style.truncated_samples(generator, z, psi=0.0, w_avg=w_avg, noise="const")
    mean_image = style.synthesize(generator, w_avg[None], noise="const")[0]
    np.testing.assert_allclose(images, np.broadcast_to(mean_image, images.shape), atol=1e-5)
    assert np.abs(style.truncated_samples(generator, z, 1.0, w_avg, noise="const") - mean_image).max() > 1e-2


def test_mixing_at_layer_zero_is_the_second_style_alone(generator):
    z1, z2 = rng(12).normal(size=(4, 8)).astype(np.float32), rng(13).normal(size=(4, 8)).astype(np.float32)
    alone_1 = style.synthesize(generator, style.map_to_w(generator, z1), noise="const")
    alone_2 = style.synthesize(generator, style.map_to_w(generator, z2), noise="const")
    np.testing.assert_allclose(style.style_mix(generator, z1, z2, 0), alone_2, atol=1e-5)
    np.testing.assert_allclose(style.style_mix(generator, z1, z2, 5), alone_1, atol=1e-5)
    middle = style.style_mix(generator, z1, z2, 2)
    assert np.abs(middle - alone_1).max() > 1e-3 and np.abs(middle - alone_2).max() > 1e-3
    # with const noise, the generator itself gives the same images as its two halves
    with style.noise_mode(generator, "const"):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(generator(z2)), alone_2, atol=1e-5)


def test_noise_modes(generator):
    w = style.map_to_w(generator, rng(14).normal(size=(2, 8)).astype(np.float32))
    first, second = style.synthesize(generator, w, noise="random"), style.synthesize(generator, w, noise="random")
    assert np.abs(first - second).max() > 1e-3  # the same w, different noise
    np.testing.assert_array_equal(style.synthesize(generator, w, noise="const"),
                                  style.synthesize(generator, w, noise="const"))
    zero = style.synthesize(generator, w, noise="zero")
    assert np.abs(zero - style.synthesize(generator, w, noise="const")).max() > 1e-3
    assert all(layer.mode == "random" for layer in generator._flatten_layers()
               if isinstance(layer, style.NoiseInjection))  # put back after each call


def test_a_custom_convolution_is_used_and_survives_a_copy():
    calls = []

    def my_convolution(x, weight, scales, demodulate=True):
        calls.append(demodulate)
        return style.modulated_conv2d(x, weight, scales, demodulate) * 0.0

    g = style.style_generator(latent_dim=4, w_dim=4, mapping_depth=1, channels=4, convolution=my_convolution)
    images = keras.ops.convert_to_numpy(g(np.ones((2, 4), np.float32)))
    assert calls and True in calls and False in calls  # convolutions with and without demodulation
    np.testing.assert_allclose(images, images[0, 0, 0, 0], atol=1e-6)  # zero convolutions: only biases are left
    copy = models.clone_network(g)  # the copy the weight average is made with
    calls.clear()
    copy(np.ones((1, 4), np.float32))
    assert calls


def test_trains_under_gan_and_restores(tmp_path):
    ganlab.seed(0)
    build = lambda: GAN(style.style_generator(latent_dim=8, w_dim=8, mapping_depth=2, channels=(8, 8, 4)),
                        models.dcgan_discriminator(width=8), ema_decay=0.99, seed=0)
    gan = build()
    gan.compile(generator_optimizer=style.style_generator_optimizer())
    images = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype(np.float32)
    history = gan.fit(data.array_dataset(images, batch_size=16), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["g_loss"])) and int(gan.step_counter.numpy()) == 4
    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    restored = build()
    restored.compile(generator_optimizer=style.style_generator_optimizer())
    restored.load_weights(path)
    z = np.random.default_rng(1).normal(size=(4, 8)).astype(np.float32)
    for a, b in ((gan.generator, restored.generator), (gan.ema_generator, restored.ema_generator)):
        np.testing.assert_allclose(style.synthesize(a, style.map_to_w(a, z), noise="const"),
                                   style.synthesize(b, style.map_to_w(b, z), noise="const"), atol=1e-6)
    gan.generator.save(tmp_path / "generator.keras")
    loaded = load_generator(tmp_path / "generator.keras")
    np.testing.assert_allclose(style.style_mix(loaded, z, z[::-1], 2), style.style_mix(gan.generator, z, z[::-1], 2),
                               atol=1e-6)


# -- wrong sizes -------------------------------------------------------------------------------------------

@pytest.mark.bad_input
def test_wrong_sizes_are_refused_with_the_parameter_named(generator):
    weight = np.zeros((3, 3, 5, 7), np.float32)
    with pytest.raises(ValueError, match=r"style must have shape \(batch, 5\)"):
        style.modulated_weights(weight, np.ones((2, 7), np.float32))
    with pytest.raises(ValueError, match="weight must have shape"):
        style.modulated_conv2d(np.zeros((1, 4, 4, 5)), np.zeros((3, 5, 7)), np.ones((1, 5)))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, height, width, 5\)"):
        style.modulated_conv2d(np.zeros((1, 4, 4, 6), np.float32), weight, np.ones((1, 5), np.float32))
    with pytest.raises(ValueError, match="scale must have shape"):
        style.adain(np.zeros((1, 4, 4, 3)), np.ones((1, 2)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="w_avg must have shape"):
        style.truncate(np.zeros((2, 4)), np.zeros(5), 0.5)
    with pytest.raises(ValueError, match="psi must be a finite number"):
        style.truncate(np.zeros((2, 4)), np.zeros(4), float("nan"))
    with pytest.raises(ValueError, match=r"z1 must have shape \(n, 8\)"):
        style.style_mix(generator, np.zeros((2, 7)), np.zeros((2, 8)), 1)
    with pytest.raises(ValueError, match="crossover must be a layer index from 0 to num_ws = 5"):
        style.style_mix(generator, np.zeros((2, 8)), np.zeros((2, 8)), 6)
    with pytest.raises(ValueError, match=r"ws must have shape \(n, 5, 8\)"):
        style.synthesize(generator, np.zeros((2, 4, 8)))
    with pytest.raises(ValueError, match="channels must give one width per resolution"):
        style.style_generator(channels=(8, 8))
    with pytest.raises(ValueError, match="image size 30 cannot be reached"):
        style.style_generator(image_shape=(30, 30, 1))
    with pytest.raises(ValueError, match="style"):
        style.style_generator(style="adaptive")
    with pytest.raises(ValueError, match="mode"):
        with style.noise_mode(generator, "fixed"):
            pass
    with pytest.raises(ValueError, match="no 'mapping' and 'synthesis' parts"):
        style.parts(models.dcgan_generator())


def test_a_copy_keeps_the_function_it_was_built_with_even_when_the_name_is_redefined():
    """The convolution is part of the layer's config, not looked up by name: redefining the learner's function
    after building does not change what a copy (the weight average) applies."""
    def convolution(x, weight, scales, demodulate=True):
        return style.modulated_conv2d(x, weight, scales, demodulate) * 0.0

    g = style.style_generator(latent_dim=4, w_dim=4, mapping_depth=1, channels=4, convolution=convolution)

    def convolution(x, weight, scales, demodulate=True):  # noqa: F811  (a learner re-running the cell with a change)
        return style.modulated_conv2d(x, weight, scales, demodulate) * 2.0

    copy = models.clone_network(g)
    images = keras.ops.convert_to_numpy(copy(np.ones((2, 4), np.float32)))
    np.testing.assert_allclose(images, images[0, 0, 0, 0], atol=1e-6)  # still the zero convolution


def test_a_saved_generator_with_an_unknown_convolution_fails_loudly_on_loading(tmp_path):
    def my_convolution(x, weight, scales, demodulate=True):
        return style.modulated_conv2d(x, weight, scales, demodulate)

    g = style.style_generator(latent_dim=4, w_dim=4, mapping_depth=1, channels=4, convolution=my_convolution)
    g.save(tmp_path / "g.keras")
    with pytest.raises(Exception, match="my_convolution"):
        keras.saving.load_model(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras", custom_objects={"my_convolution": my_convolution})
    z = np.ones((1, 4), np.float32)
    with style.noise_mode(g, "zero"), style.noise_mode(loaded, "zero"):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(z)), keras.ops.convert_to_numpy(g(z)), atol=1e-5)
