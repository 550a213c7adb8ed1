"""ganlab.models: MLP generator and discriminator shapes, sizes and argument checks."""
import math

import keras
import numpy as np
import pytest

from ganlab.models import mlp_discriminator, mlp_generator


def dense(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


# -- shapes and parameter counts ------------------------------------------------------------------------

def test_default_generator_makes_mnist_images():
    generator = mlp_generator()
    out = generator(np.zeros((3, 64), np.float32))
    assert tuple(out.shape) == (3, 28, 28, 1)
    # Dense without bias -> BatchNorm (4 weights per unit) for each hidden layer, then Dense(784) with bias
    widths = [64, 256, 512, 1024]
    expected = sum(dense(a, b, bias=False) + 4 * b for a, b in zip(widths, widths[1:])) + dense(1024, 784)
    assert generator.count_params() == expected
    assert generator.name == "generator"


def test_default_discriminator_size_and_logits():
    discriminator = mlp_discriminator()
    assert discriminator.count_params() == dense(784, 512) + dense(512, 256) + dense(256, 1) == 533_505
    out = discriminator(np.zeros((5, 28, 28, 1), np.float32))
    assert tuple(out.shape) == (5, 1)
    assert discriminator.output_shape == (None, 1)


@pytest.mark.parametrize("latent_dim, output_shape, hidden, batch_norm, params, trainable", [
    (2, (1,), (8,), False, dense(2, 8) + dense(8, 1), dense(2, 8) + dense(8, 1)),            # 33
    (2, (1,), (8,), True, dense(2, 8, False) + 4 * 8 + dense(8, 1), dense(2, 8, False) + 2 * 8 + dense(8, 1)),
    (3, (2,), (16, 16), False, dense(3, 16) + dense(16, 16) + dense(16, 2), None),
    (5, (4, 3), (), False, dense(5, 12), None),                                               # no hidden layer
])
def test_generator_configs(latent_dim, output_shape, hidden, batch_norm, params, trainable):
    generator = mlp_generator(latent_dim, output_shape, hidden, output_activation=None, batch_norm=batch_norm)
    assert generator.count_params() == params
    if trainable is not None:
        assert sum(math.prod(w.shape) for w in generator.trainable_weights) == trainable
    out = generator(np.ones((7, latent_dim), np.float32), training=False)
    assert tuple(out.shape) == (7, *output_shape)
    assert generator.output_shape == (None, *output_shape) and generator.input_shape == (None, latent_dim)


def test_small_configs_counted_by_hand():
    assert mlp_generator(2, (1,), (8,), batch_norm=False).count_params() == 33
    assert mlp_discriminator((1,), (8,), dropout=0).count_params() == 25
    assert mlp_discriminator((28, 28, 1), (4,)).count_params() == 784 * 4 + 4 + 5


def test_tanh_output_is_bounded_and_linear_is_not():
    big_noise = np.full((4, 2), 50.0, np.float32)
    tanh = mlp_generator(2, (3,), (8,), batch_norm=False)
    assert np.abs(keras.ops.convert_to_numpy(tanh(big_noise))).max() <= 1.0
    linear = mlp_generator(2, (3,), (8,), batch_norm=False, output_activation="linear")
    assert np.abs(keras.ops.convert_to_numpy(linear(big_noise))).max() > 1.0


@pytest.mark.parametrize("input_shape, hidden", [((1,), (8,)), ((2,), (16, 16)), ((28, 28, 1), (32,)),
                                                 ((8, 8, 3), (4, 4))])
def test_discriminator_outputs_one_logit_per_sample(input_shape, hidden):
    discriminator = mlp_discriminator(input_shape, hidden, dropout=0)
    out = discriminator(np.random.default_rng(0).normal(size=(6, *input_shape)).astype(np.float32))
    assert tuple(out.shape) == (6, 1)
    assert out.dtype == "float32"
    # a logit, not a probability: the last layer has no sigmoid
    assert discriminator.layers[-1].activation is keras.activations.linear


def test_dropout_layers_only_when_asked():
    with_dropout = mlp_discriminator((2,), (8, 8), dropout=0.3)
    without = mlp_discriminator((2,), (8, 8), dropout=0)
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in with_dropout.layers) == 2
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in without.layers)
    # inference is deterministic even with dropout
    x = np.ones((4, 2), np.float32)
    np.testing.assert_array_equal(with_dropout(x, training=False), with_dropout(x, training=False))


def test_numpy_integers_are_accepted():
    generator = mlp_generator(np.int64(4), (np.int64(2),), (np.int32(8),), batch_norm=False)
    assert generator.input_shape == (None, 4) and generator.output_shape == (None, 2)


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"latent_dim": 0}, ValueError, "latent_dim must be at least 1, got 0"),
    ({"latent_dim": -3}, ValueError, "latent_dim must be at least 1, got -3"),
    ({"latent_dim": 2.5}, TypeError, "latent_dim must be an integer, got 2.5"),
    ({"latent_dim": True}, TypeError, "latent_dim must be an integer"),
    ({"output_shape": 784}, TypeError, r"output_shape must be a tuple.*not 2"),
    ({"output_shape": (28, -1)}, ValueError, r"output_shape must be a non-empty tuple of positive integers"),
    ({"output_shape": ()}, ValueError, "output_shape"),
    ({"hidden_units": (-5,)}, ValueError, r"hidden_units must hold positive integers.*-5"),
    ({"hidden_units": "abc"}, TypeError, "hidden_units must be a sequence of positive integers"),
    ({"hidden_units": (64, 0.5)}, ValueError, "hidden_units"),
    ({"output_activation": "relu"}, ValueError, r"output_activation must be one of 'tanh', 'linear', None"),
], ids=["latent_dim-0", "latent_dim-neg", "latent_dim-float", "latent_dim-bool", "output_shape-int",
        "output_shape-neg", "output_shape-empty", "hidden-neg", "hidden-str", "hidden-float", "activation-relu"])
def test_generator_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        mlp_generator(**kwargs)


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"dropout": 1.5}, ValueError, "dropout must be at most 0.95, got 1.5"),
    ({"dropout": -0.1}, ValueError, "dropout must be a finite number >= 0"),
    ({"dropout": "0.3"}, TypeError, "dropout must be a number"),
    ({"input_shape": 784}, TypeError, "input_shape must be a tuple"),
    ({"input_shape": (28, 0, 1)}, ValueError, "input_shape"),
    ({"hidden_units": ()}, ValueError, "hidden_units must name at least one layer width"),
    ({"hidden_units": (8, -5)}, ValueError, "hidden_units must hold positive integers"),
], ids=["dropout-1.5", "dropout-neg", "dropout-str", "input_shape-int", "input_shape-zero", "hidden-empty",
        "hidden-neg"])
def test_discriminator_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        mlp_discriminator(**kwargs)
