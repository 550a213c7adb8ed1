"""ganlab.models.dcgan: shapes, the DCGAN guidelines (layer order, batch norm, N(0, 0.02) weights), checks."""
import keras
import numpy as np
import pytest

from ganlab.models import dcgan_discriminator, dcgan_generator


def kinds(model):
    """The layer class names of a model, input layer left out."""
    return [type(layer).__name__ for layer in model.layers[1:]]


def generator_params(w, latent_dim=64):
    """By hand, 28x28x1 with upsamplings=2, kernel 4, batch norm (bias-free layers before each BN)."""
    dense = latent_dim * 7 * 7 * 2 * w      # z -> 7x7x(2w), no bias
    bn1 = 4 * 7 * 7 * 2 * w                 # gamma, beta, moving mean, moving variance
    convt1 = 4 * 4 * 2 * w * w              # (2w) -> w channels, no bias
    bn2 = 4 * w
    convt2 = 4 * 4 * w * 1 + 1              # w -> 1 channel, with bias
    return dense + bn1 + convt1 + bn2 + convt2


def discriminator_params(w):
    """By hand, 28x28x1 with downsamplings=2, kernel 4, batch norm after the second conv only."""
    conv1 = 4 * 4 * 1 * w + w               # with bias: no BN after the first conv
    conv2 = 4 * 4 * w * 2 * w               # no bias, then BN
    bn = 4 * 2 * w
    logit = 7 * 7 * 2 * w + 1
    return conv1 + conv2 + bn + logit


# -- shapes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("image_shape, upsamplings", [((28, 28, 1), 2), ((32, 32, 3), 3), ((28, 28, 1), 1)])
def test_generator_makes_images_of_the_asked_shape(image_shape, upsamplings):
    generator = dcgan_generator(latent_dim=16, image_shape=image_shape, width=8, upsamplings=upsamplings)
    out = generator(np.random.default_rng(0).normal(size=(3, 16)).astype(np.float32), training=False)
    assert tuple(out.shape) == (3, *image_shape)
    assert generator.input_shape == (None, 16) and generator.output_shape == (None, *image_shape)
    assert out.dtype == "float32"
    assert generator.name == "generator"


@pytest.mark.parametrize("image_shape, downsamplings", [((28, 28, 1), 2), ((32, 32, 3), 3)])
def test_discriminator_gives_one_logit_per_image(image_shape, downsamplings):
    discriminator = dcgan_discriminator(image_shape, width=8, downsamplings=downsamplings)
    images = np.random.default_rng(0).uniform(-1, 1, (5, *image_shape)).astype(np.float32)
    out = discriminator(images, training=False)
    assert tuple(out.shape) == (5, 1) and discriminator.output_shape == (None, 1)
    assert out.dtype == "float32"
    last = discriminator.layers[-1]
    assert isinstance(last, keras.layers.Dense) and last.activation is keras.activations.linear  # a logit


def test_tanh_output_stays_in_minus_one_to_one():
    keras.utils.set_random_seed(0)
    generator = dcgan_generator(latent_dim=16, width=8)
    assert generator.layers[-1].activation is keras.activations.tanh
    huge = np.random.default_rng(1).normal(size=(8, 16)).astype(np.float32) * 1000
    out = keras.ops.convert_to_numpy(generator(huge, training=False))
    assert out.min() >= -1.0 and out.max() <= 1.0
    assert np.abs(out).max() > 0.99  # saturated: it is tanh doing the bounding, not small weights


def test_a_dcgan_pair_builds_a_gan():
    from ganlab.training import GAN

    gan = GAN(dcgan_generator(latent_dim=8, width=4), dcgan_discriminator(width=4), seed=0)
    assert gan.sample_shape == (28, 28, 1) and gan.latent_dim == 8
    assert gan.discriminate(gan.sample(3)).shape == (3,)


def test_a_dcgan_pair_keeps_a_weight_average_only_when_asked():
    """No average by default (it did not lower the distance at the 15-minute MNIST budget); the GAN's
    own argument asks for one, and survives neither cloning nor saving of the generator, which carries none."""
    from ganlab.training import GAN, WGAN

    gan = GAN(dcgan_generator(latent_dim=8, width=4), dcgan_discriminator(width=4), seed=0)
    assert gan.ema_generator is None and gan.sampling_generator is gan.generator
    averaged = GAN(dcgan_generator(latent_dim=8, width=4), dcgan_discriminator(width=4), ema_decay=0.999)
    assert averaged.ema_decay == 0.999 and averaged.sampling_generator is averaged.ema_generator
    assert averaged.ema_generator.count_params() == averaged.generator.count_params()
    assert WGAN(dcgan_generator(latent_dim=8, width=4), dcgan_discriminator(width=4)).ema_generator is None
    with pytest.raises(TypeError, match="unexpected keyword argument 'ema_decay'"):
        dcgan_generator(latent_dim=8, width=4, ema_decay=0.999)


# -- the guidelines ----------------------------------------------------------------------------------------

def test_generator_layer_order():
    generator = dcgan_generator(latent_dim=16, width=8, upsamplings=3, image_shape=(32, 32, 3))
    assert kinds(generator) == [
        "Dense", "BatchNormalization", "ReLU", "Reshape",
        "Conv2DTranspose", "BatchNormalization", "ReLU",
        "Conv2DTranspose", "BatchNormalization", "ReLU",
        "Conv2DTranspose", "Activation",  # no batch norm right before the output
    ]
    assert "LeakyReLU" not in kinds(generator)  # ReLU in G, LeakyReLU in D
    convs = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
    assert all(layer.strides == (2, 2) and layer.padding == "same" for layer in convs)  # learned upsampling
    # a layer followed by batch norm has no bias (BN's beta replaces it); the output layer keeps its own
    assert [layer.use_bias for layer in convs] == [False, False, True]
    assert not generator.layers[1].use_bias
    assert [layer.filters for layer in convs] == [16, 8, 3]  # channels halve towards the output


def test_refinements_add_3x3_convolutions_at_every_size_but_the_last():
    generator = dcgan_generator(latent_dim=16, width=8, upsamplings=2, refinements=2)
    assert kinds(generator) == [
        "Dense", "BatchNormalization", "ReLU", "Reshape",
        "Conv2D", "BatchNormalization", "ReLU", "Conv2D", "BatchNormalization", "ReLU",  # at 7x7
        "Conv2DTranspose", "BatchNormalization", "ReLU",
        "Conv2D", "BatchNormalization", "ReLU", "Conv2D", "BatchNormalization", "ReLU",  # at 14x14
        "Conv2DTranspose", "Activation",
    ]
    refinements = [layer for layer in generator.layers if type(layer) is keras.layers.Conv2D]
    assert all(layer.kernel_size == (3, 3) and layer.strides == (1, 1) and not layer.use_bias for layer in refinements)
    assert [layer.filters for layer in refinements] == [16, 16, 8, 8]  # the channels of their stage
    assert generator.output_shape == (None, 28, 28, 1)
    # 0 is the plain DCGAN; each refinement adds 9 c^2 weights and BN's 4 c per stage
    extra = sum(9 * c * c + 4 * c for c in (16, 8))
    plain = dcgan_generator(latent_dim=16, width=8)
    assert dcgan_generator(latent_dim=16, width=8, refinements=1).count_params() == plain.count_params() + extra
    assert kinds(dcgan_generator(latent_dim=16, width=8, refinements=0)) == kinds(plain)


def test_discriminator_layer_order():
    discriminator = dcgan_discriminator(width=8, downsamplings=3, image_shape=(32, 32, 3))
    assert kinds(discriminator) == [
        "Conv2D", "LeakyReLU",  # no batch norm after the first conv: it sees raw images
        "Conv2D", "BatchNormalization", "LeakyReLU",
        "Conv2D", "BatchNormalization", "LeakyReLU",
        "Flatten", "Dense",
    ]
    convs = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.strides == (2, 2) for layer in convs)  # no pooling: strided convolutions
    assert [layer.filters for layer in convs] == [8, 16, 32]
    assert [layer.use_bias for layer in convs] == [True, False, False]
    leaky = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert all(layer.negative_slope == pytest.approx(0.2) for layer in leaky)
    assert not any("Pooling" in kind for kind in kinds(discriminator))


def test_batch_norm_false_has_no_batch_norm():
    generator = dcgan_generator(latent_dim=16, width=8, batch_norm=False)
    discriminator = dcgan_discriminator(width=8, batch_norm=False)
    for model in (generator, discriminator):
        assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
        # without batch norm every layer keeps its bias
        assert all(layer.use_bias for layer in model.layers if hasattr(layer, "use_bias"))
    assert kinds(generator) == ["Dense", "ReLU", "Reshape", "Conv2DTranspose", "ReLU", "Conv2DTranspose", "Activation"]


def test_weights_are_drawn_from_n_0_002():
    keras.utils.set_random_seed(0)
    generator = dcgan_generator(width=32)
    discriminator = dcgan_discriminator(width=32)
    kernels = {w.path: w.numpy() for model in (generator, discriminator) for w in model.weights
               if w.path.endswith("kernel") and w.numpy().size >= 3000}
    assert len(kernels) == 4  # G's Dense and first ConvT, D's second conv and logit
    for path, kernel in kernels.items():
        # standard error of a std estimated from n >= 3000 draws: < 1.3 %
        assert np.std(kernel) == pytest.approx(0.02, rel=0.06), path
        assert abs(np.mean(kernel)) < 0.002, path


@pytest.mark.parametrize("width", [4, 16, 32])
def test_parameter_counts_by_hand(width):
    assert dcgan_generator(width=width).count_params() == generator_params(width)
    assert dcgan_discriminator(width=width).count_params() == discriminator_params(width)


def test_width_scales_the_parameter_count():
    counts = [dcgan_generator(latent_dim=16, width=w).count_params() for w in (4, 8, 16)]
    assert counts[0] < counts[1] < counts[2]
    d_counts = [dcgan_discriminator(width=w).count_params() for w in (4, 8, 16)]
    assert d_counts[0] < d_counts[1] < d_counts[2]
    # the conv-to-conv kernel grows as width^2: at large width, doubling it nearly quadruples D
    assert dcgan_discriminator(width=64).count_params() / dcgan_discriminator(width=32).count_params() > 3.5


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"image_shape": (30, 30, 1)}, ValueError,
     r"image size 30 cannot be reached with 2 stride-2 steps.*sizes that work: 8, 12, 16, 20, 24, 28, 32.*"
     r"image_shape or upsamplings"),
    ({"image_shape": (64, 64, 1), "upsamplings": 6}, ValueError,
     r"sizes that work: 128, 192.*image_shape or upsamplings"),
    ({"image_shape": (28, 32, 1)}, ValueError, "image_shape must be square, got 28x32"),
    ({"image_shape": (28, 28, 2)}, ValueError, "image_shape must have 1 or 3 channels, got 2"),
    ({"image_shape": 28}, TypeError, "image_shape must be a tuple"),
    ({"image_shape": (28, 28)}, ValueError, "image_shape must have 3 dimensions"),
    ({"width": 0}, ValueError, "width must be at least 1, got 0"),
    ({"upsamplings": 0}, ValueError, "upsamplings must be at least 1, got 0"),
    ({"kernel_size": -1}, ValueError, "kernel_size must be at least 1, got -1"),
    ({"latent_dim": 2.0}, TypeError, "latent_dim must be an integer"),
    ({"refinements": -1}, ValueError, "refinements must be at least 0, got -1"),
    ({"refinements": True}, TypeError, "refinements must be an integer"),
], ids=["size-30", "too-many-steps", "non-square", "2-channels", "int-shape", "2-d-shape", "width-0",
        "upsamplings-0", "kernel-neg", "latent-float", "refinements-neg", "refinements-bool"])
def test_generator_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        dcgan_generator(**kwargs)


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"image_shape": (30, 30, 1)}, ValueError, r"sizes that work: 8, 12, 16, 20, 24, 28, 32"),
    ({"downsamplings": 3}, ValueError, r"image size 28 cannot be reached.*image_shape or downsamplings"),
    ({"image_shape": (32, 28, 3)}, ValueError, "image_shape must be square"),
    ({"image_shape": (28, 28, 2)}, ValueError, "image_shape must have 1 or 3 channels, got 2"),
    ({"image_shape": 28}, TypeError, "image_shape must be a tuple"),
    ({"width": 0}, ValueError, "width must be at least 1, got 0"),
    ({"downsamplings": 0}, ValueError, "downsamplings must be at least 1, got 0"),
    ({"kernel_size": -1}, ValueError, "kernel_size must be at least 1, got -1"),
    ({"dropout": 2.0}, ValueError, "dropout must be at most 0.95, got 2.0"),
    ({"dropout": -0.5}, ValueError, "dropout must be a finite number >= 0"),
], ids=["size-30", "downsamplings-3", "non-square", "2-channels", "int-shape", "width-0", "downsamplings-0",
        "kernel-neg", "dropout-2", "dropout-neg"])
def test_discriminator_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        dcgan_discriminator(**kwargs)
