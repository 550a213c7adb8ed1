"""Checks for notebook 04 (mode collapse): counting modes, packing samples, the minibatch standard deviation."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganlab.data.toy import grid
from ganlab.course.exercises.feedback import Feedback, call, correct, wrong
from ganlab.metrics import mode_coverage
from ganlab.models.diversity import PackSamples


def _grid_case():
    """Samples on the 3x3 grid {-2, 0, 2}^2 (std 0.05) built so that each common mistake gives another answer."""
    mixture = grid(n_per_side=3, spacing=2.0, std=0.05)
    rng = np.random.default_rng(4)
    centers = mixture.centers
    near = centers[[0, 0, 0, 1, 2, 4, 4]] + rng.normal(0, 0.03, (7, 2))  # well within 3 std: modes 0, 1, 2, 4
    loose = centers[[5, 6]] + np.array([[0.10, 0.0], [0.0, -0.12]])  # 2 and 2.4 std: high quality
    far = centers[[7, 8]] + np.array([[0.4, 0.3], [-0.5, 0.2]])  # nearest to modes 7, 8 but 10 std away
    between = np.array([[1.0, 1.0], [-1.0, 0.9]])  # half-way between modes
    return np.concatenate([near, loose, far, between]).astype(np.float64), mixture


def check_count_modes(fn) -> Feedback:
    """Mark ``fn(samples, centers, std)`` -> ``(modes, high_quality)`` as VEEGAN and PacGAN count them."""
    samples, mixture = _grid_case()
    centers, std = mixture.centers, mixture.std
    truth = mode_coverage(samples, mixture)
    got = call(fn, samples.copy(), centers.copy(), std, what="your count_modes")
    if isinstance(got, Feedback):
        return got
    if got.shape != (2,):
        return wrong(f"return two numbers, (modes, high_quality); got an array of shape {got.shape}.")
    modes, quality = float(got[0]), float(got[1])
    distances = np.linalg.norm(samples[:, None] - centers[None], axis=-1)
    if quality == truth.high_quality * len(samples):
        return wrong(f"high_quality should be a fraction of the samples, not a count: {quality:.0f} of "
                     f"{len(samples)} samples is {truth.high_quality:.3f}.")
    if np.isclose(quality, (distances.min(axis=1) <= std).mean()) and not np.isclose(quality, truth.high_quality):
        return wrong("a sample is high quality within 3 standard deviations of its nearest centre, not 1: "
                     "compare the distance with 3 * std.")
    if not np.isclose(quality, truth.high_quality, atol=1e-6):
        return wrong(f"high_quality should be {truth.high_quality:.3f} here ({round(truth.high_quality * len(samples))}"
                     f" of {len(samples)} samples lie within 3 * std of their nearest centre), yours is "
                     f"{quality:.3f}. Use the Euclidean distance to the nearest centre.")
    if modes == len(np.unique(distances.argmin(axis=1))):
        return wrong(f"you counted {modes:.0f} modes: every sample has a nearest centre, even one far from all of "
                     "them. Count a mode only when a *high-quality* sample is nearest to it.")
    if modes != truth.modes:
        return wrong(f"{truth.modes} modes are captured here, yours says {modes:g}: count the distinct nearest "
                     "centres of the high-quality samples.")
    return correct(f"{truth.modes} of {len(centers)} modes, {truth.high_quality:.0%} high quality. Samples "
                   "between modes count against quality, and a mode reached only by poor samples is not captured.")


def check_pack(fn) -> Feedback:
    """Mark ``fn(samples, m)``: (n, d) -> (n / m, m * d), each run of m consecutive samples side by side.

    The answer must also work on TensorFlow tensors in a traced function: notebook 04 trains its PacGAN with it
    (``collapse.train("pacgan4", ..., packing=pack)``).
    """
    samples = np.arange(24, dtype=np.float32).reshape(12, 2) + 0.5
    for m in (2, 3, 4):
        got = call(fn, samples.copy(), m, what="your pack")
        if isinstance(got, Feedback):
            return got
        expected = np.asarray(PackSamples(m)(samples))
        if got.shape != expected.shape:
            return wrong(f"with 12 samples of 2 coordinates and m = {m} the result has shape {expected.shape} "
                         f"(12 / {m} packs of {m} x 2 numbers); yours has shape {got.shape}.")
        if np.array_equal(got, expected):
            continue
        strided = samples.reshape(m, -1, 2).transpose(1, 0, 2).reshape(-1, m * 2)
        by_axis = samples.reshape(-1, m, 2).transpose(0, 2, 1).reshape(-1, m * 2)
        if np.array_equal(got, strided):
            return wrong("your packs hold samples 0, n/m, 2n/m, ... rather than consecutive ones. "
                         "ganlab.models.packed gives pack i's logit to samples i*m ... i*m + m - 1, so pack "
                         "consecutive samples: samples.reshape(n // m, m * d).")
        if np.array_equal(got, by_axis):
            return wrong("each pack lists all the x coordinates, then all the y coordinates. Keep each sample's "
                         "coordinates together: [x0, y0, x1, y1, ...], which a plain reshape gives.")
        return wrong(f"with m = {m} the first pack should be {expected[0].tolist()}, yours is "
                     f"{np.asarray(got[0]).tolist()}.")
    # Section 5 trains a PacGAN whose discriminator calls this function on tensors inside a traced step.
    try:
        in_graph = tf.function(lambda x: fn(x, 4), autograph=False)(tf.constant(samples))
    except Exception as error:  # NumPy-only code fails here with one of several errors
        last = [line.strip() for line in str(error).splitlines() if line.strip()][-1:] or [""]
        return wrong(f"your pack works on NumPy arrays, but section 5 calls it inside the discriminator on TensorFlow "
                     f"tensors, where it raised {type(error).__name__}: {last[0][:160].rstrip('.')}. Write it with keras.ops "
                     "(ops.reshape instead of samples.reshape or np.reshape); samples.shape works on both.")
    if not np.array_equal(np.asarray(in_graph), np.asarray(PackSamples(4)(samples))):
        return wrong("your pack gives other packs on TensorFlow tensors than on NumPy arrays: use keras.ops "
                     "throughout, so that both give the same result.")
    try:
        fn(samples[:10].copy(), 4)
    except ValueError as error:
        message = str(error)
        if "cannot reshape" in message or "reshape" in message.lower() and "4" not in message:
            return wrong(f"with 10 samples and m = 4 your pack let NumPy fail inside reshape ({message!r}). Check "
                         "first and raise a ValueError that says the number of samples must divide by m.")
        if "4" not in message and "m=" not in message and " m " not in f" {message} ":
            return wrong(f"your ValueError should say what was wrong (10 samples do not divide into packs of 4); "
                         f"it says {str(error)!r}.")
    except Exception as error:  # a reshape error from NumPy or TensorFlow is not a clear message
        return wrong(f"with 10 samples and m = 4 your pack raised {type(error).__name__}: {error}. Check first "
                     "and raise a ValueError that says the number of samples must divide by m.")
    else:
        return wrong("10 samples cannot be split into packs of 4, but your pack returned something. Raise a "
                     "ValueError naming m and the number of samples.")
    return correct("the discriminator now sees m samples at once, so m copies of the same point look unlike m "
                   "real samples, and collapse costs the generator. Section 5 trains a PacGAN with your pack.")


def check_minibatch_stddev(fn) -> Feedback:
    """Mark ``fn(features)``: (n, c) -> (n, c + 1), the batch's mean standard deviation appended to every row."""
    rng = np.random.default_rng(7)
    features = rng.normal(0, 1, (32, 6)) * np.array([0.5, 1, 2, 3, 0.1, 1])
    got = call(fn, features.copy(), what="your minibatch_stddev")
    if isinstance(got, Feedback):
        return got
    summaries = {ddof: features.std(axis=0, ddof=ddof).mean() for ddof in (0, 1)}
    if got.shape == (32, 1):
        return wrong("return the features with the new column appended, shape (n, c + 1): "
                     "np.concatenate([features, column], axis=1).")
    if got.shape == (32, 12):
        return wrong("you appended one standard deviation per feature; average them into one number first, so "
                     "the discriminator gets one summary of the batch's variety.")
    if got.shape != (32, 7):
        return wrong(f"for features of shape (32, 6) the result has shape (32, 7); yours has shape {got.shape}.")
    if not np.allclose(got[:, :6], features):
        return wrong("the first c columns must be the features unchanged; only the last column is new.")
    column = got[:, 6]
    if any(np.allclose(column, value) for value in summaries.values()):
        return correct("a collapsed generator gives near-identical samples, so this column drops towards 0 on its "
                       "batches and the discriminator can reject them as a group.")
    if np.allclose(column, features.std(axis=1)):
        return wrong("you took each sample's standard deviation over its features (axis 1). The feature must "
                     "describe the batch: the standard deviation of each feature over the samples (axis 0), "
                     "then their mean.")
    if np.allclose(column, features.var(axis=0).mean()):
        return wrong("that is the mean variance; take the square root per feature (the standard deviation), "
                     "then the mean.")
    if np.allclose(column, features.std()):
        return wrong("that is the standard deviation of all numbers pooled, which mixes features of different "
                     "scales. Take each feature's standard deviation over the batch, then their mean.")
    return wrong(f"every row's new column should be {summaries[0]:.4f} here (the mean over features of each "
                 f"feature's standard deviation over the batch); yours starts {column[0]:.4f}.")
