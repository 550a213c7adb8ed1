"""Callbacks that watch a GAN train: they measure it (FD, the critic's estimate, modes) and show it (sample grids).

``StopOnNaN`` and ``EpochClock``, which every ``fit`` adds, live in ``ganlab.training.callbacks``
and are named here too, so that one import gives a learner every callback.
"""
from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from ganlab._checks import positive_int
from ganlab.metrics import critic_estimate, frechet_distance, image_statistics, mode_coverage
from ganlab.training.callbacks import EpochClock, StopOnNaN, TrainingDiverged  # noqa: F401  (one import for all)


def needs_noise_sampling(callback, model) -> None:
    """Raise a clear ``TypeError`` unless ``model`` draws samples from noise (``model.sample(n, seed)``)."""
    if not getattr(model, "samples_from_noise", False):
        raise TypeError(f"{type(callback).__name__} draws samples from noise, but {type(model).__name__} translates "
                        "images and has no noise: leave it out, or watch translate() of fixed images in a callback "
                        "of your own.")
from ganlab.views.plots import grid_canvas


class SampleGrid(keras.callbacks.Callback):
    """After every epoch, draw a grid of samples from the same fixed noise, save it, and show it in place.

    Args:
        directory: where ``epoch_001.png``... are written (``None``: keep in memory only).
        n: how many samples; ``ncols`` per row.
        seed: the fixed noise's seed, so that every grid shows the same z.
        show: in a notebook, show the newest grid, updating one output instead of adding one per epoch.
    ``frames`` holds every grid (uint8 arrays) for :func:`save_gif`.
    """

    check_model = needs_noise_sampling

    def __init__(self, directory=None, n: int = 64, ncols: int = 16, seed: int = 0, show: bool = False):
        super().__init__()
        self.directory = None if directory is None else Path(directory)
        self.n = positive_int("n", n, example=64)
        self.ncols = positive_int("ncols", ncols, example=16)
        self.seed, self.show = seed, show
        self.frames: list[np.ndarray] = []
        self._display = None

    def on_epoch_end(self, epoch, logs=None):
        canvas = grid_canvas(self.model.sample(self.n, seed=self.seed), self.ncols)
        frame = (np.repeat(canvas, 3, axis=-1) if canvas.shape[-1] == 1 else canvas) * 255
        frame = np.kron(frame.astype(np.uint8), np.ones((2, 2, 1), np.uint8))  # twice the size, crisp pixels
        self.frames.append(frame)
        if self.directory is not None:
            import imageio.v3 as iio

            self.directory.mkdir(parents=True, exist_ok=True)
            iio.imwrite(self.directory / f"epoch_{epoch + 1:03d}.png", frame)
        if self.show:
            self._show(frame, epoch)

    def _show(self, frame, epoch):
        import imageio.v3 as iio
        from IPython.display import Image, display

        image = Image(data=iio.imwrite("<bytes>", frame, extension=".png"))
        if self._display is None:
            self._display = display(image, display_id=True)
        else:
            self._display.update(image)


def save_gif(frames, path, seconds_per_frame: float = 0.4) -> Path:
    """Write frames (uint8 arrays of one shape, as ``SampleGrid.frames``) to an animated GIF that loops."""
    import imageio.v3 as iio

    if not frames:
        raise ValueError("frames is empty: train with a SampleGrid callback first, then pass its .frames.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.stack(frames), extension=".gif", duration=int(seconds_per_frame * 1000), loop=0)
    return path


class Measurement(keras.callbacks.Callback):
    """Measure something about the model every ``every`` training steps and keep the curve.

    Subclasses write ``compute()``. ``steps`` and ``values`` keep every
    measurement; at each epoch's end the newest value is added to the logs under
    ``log_key`` (measured afresh unless the last step was just measured), so it
    appears in ``History`` next to the losses. Steps are read from the GAN's own
    ``step_counter``, not counted from callback calls: they stay right under
    ``steps_per_execution > 1`` (one call per N steps) and after a resume.
    """

    log_key = "measurement"
    check_model = needs_noise_sampling

    def __init__(self, every: int):
        super().__init__()
        self.every = positive_int("every", every, example=500)
        self.steps: list[int] = []
        self.values: list[float] = []
        self._step = 0

    def compute(self) -> float:
        raise NotImplementedError

    def measure(self) -> float:
        value = self.compute()
        self.steps.append(self._step)
        self.values.append(value)
        return value

    def _model_step(self) -> int:
        counter = getattr(self.model, "step_counter", None)
        return self._step + 1 if counter is None else int(keras.ops.convert_to_numpy(counter))

    def on_train_begin(self, logs=None):
        counter = getattr(self.model, "step_counter", None)
        self._step = self._step if counter is None else int(keras.ops.convert_to_numpy(counter))

    def on_train_batch_end(self, batch, logs=None):
        previous, self._step = self._step, self._model_step()
        if self._step // self.every > previous // self.every:  # a multiple of `every` was reached or passed
            self.measure()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.log_key] = self.values[-1] if self.steps and self.steps[-1] == self._step else self.measure()


class FrechetDistance(Measurement):
    """Compute the Fréchet distance of generated to real images every ``every`` steps, and log it as ``fid``.

    The reference statistics are computed once, from ``reference`` images (or
    passed as a ``(mean, covariance)`` pair from ``image_statistics``). Each
    measurement draws ``n_samples`` from the same fixed noise, so the curve moves
    only because the generator does. ``steps``, ``values``, ``seconds`` (training
    wall-clock time, measurement excluded) and ``cpu_seconds`` (the process's CPU
    time over the same spans, which other programs on the machine do not inflate)
    keep the whole curve; the newest value is
    added to each epoch's logs, so it appears in ``History`` next to the losses.
    """

    log_key = "fid"

    def __init__(self, reference, every: int = 500, n_samples: int = 2000, dataset: str = "mnist", seed: int = 123):
        super().__init__(every)

        self.n_samples = positive_int("n_samples", n_samples, minimum=2, example=2000)
        self.dataset, self.seed = dataset, seed
        self.reference = reference if isinstance(reference, tuple) else image_statistics(reference, dataset)
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self._clock = self._cpu_clock = 0.0
        self._last = self._cpu_last = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._last, self._cpu_last = time.perf_counter(), time.process_time()

    def compute(self) -> float:
        return frechet_distance(self.model.sample(self.n_samples, seed=self.seed), self.reference, self.dataset)

    def measure(self) -> float:
        """One measurement, its time kept out of the training clocks."""
        self._clock += time.perf_counter() - self._last
        self._cpu_clock += time.process_time() - self._cpu_last
        value = super().measure()
        self.seconds.append(self._clock)
        self.cpu_seconds.append(self._cpu_clock)
        self._last, self._cpu_last = time.perf_counter(), time.process_time()
        return value


class CriticEstimate(Measurement):
    """Record a WGAN critic's estimate of the distance every ``every`` steps, on the same samples each time.

    The estimate is mean f(real) - mean f(G(z)) over ``n_samples`` held-out real
    samples and the generator's samples from fixed noise. The ``wasserstein``
    metric that ``WGAN`` logs averages training batches instead, which the critic
    has just been fitted to; this one can be set beside a :class:`FrechetDistance`
    with the same ``every``, measurement for measurement. ``steps`` and ``values``
    keep the curve; the newest value is logged as ``critic_estimate`` each epoch.
    """

    log_key = "critic_estimate"

    def __init__(self, real, every: int = 500, n_samples: int = 1000, seed: int = 123):
        super().__init__(every)
        self.n_samples = positive_int("n_samples", n_samples, minimum=2, example=1000)
        real = np.asarray(real, np.float32)
        if len(real) < self.n_samples:
            raise ValueError(f"real holds {len(real)} samples, fewer than n_samples={self.n_samples}: "
                             "pass more real samples or lower n_samples.")
        self.real, self.seed = real[:self.n_samples], seed

    def check_model(self, model) -> None:
        needs_noise_sampling(self, model)
        judge = model.discriminator
        if len(judge.inputs) != 1 or len(judge.outputs) != 1 or tuple(judge.output_shape[1:]) != (1,):
            raise TypeError(f"CriticEstimate scores samples with a critic of one input and one score per sample; "
                            f"{type(model).__name__}'s discriminator takes {len(judge.inputs)} input(s) and gives "
                            f"{judge.output_shape}. Use it with a GAN or WGAN.")

    def compute(self) -> float:
        return critic_estimate(self.model.discriminator, self.real, self.model.sample(self.n_samples, seed=self.seed))


class ModeCoverage(Measurement):
    """Count the modes a generator covers on a toy mixture every ``every`` steps (notebook 04).

    Each measurement draws ``n_samples`` (2,500, as VEEGAN and PacGAN) from fixed
    noise and scores them with :func:`ganlab.metrics.mode_coverage`. ``values``
    holds the modes captured, ``coverages`` every full :class:`~ganlab.metrics.Coverage`
    (its ``histogram`` shows which modes the generator visits), and the newest
    count is logged as ``modes`` each epoch. ``plots.mode_timeline`` draws them.
    """

    log_key = "modes"

    def __init__(self, mixture, every: int = 500, n_samples: int = 2500, seed: int = 321):
        super().__init__(every)
        if not hasattr(mixture, "centers") or not hasattr(mixture, "std"):
            raise TypeError(f"mixture must be a toy mixture from ganlab.data (ring(), grid()), "
                            f"got {type(mixture).__name__}.")
        self.mixture = mixture
        self.n_samples = positive_int("n_samples", n_samples, example=2500)
        self.seed = seed
        self.coverages = []

    def compute(self) -> float:
        coverage = mode_coverage(self.model.sample(self.n_samples, seed=self.seed), self.mixture)
        self.coverages.append(coverage)
        return float(coverage.modes)
