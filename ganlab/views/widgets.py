"""Interactive widgets for the notebooks (ipywidgets + matplotlib): watch, poke and explore a GAN.

* :class:`Playground`: a 2-D GAN you step by hand or let run: pick the target, the
  generator loss, k and the learning rates; see the samples, D(x) as a heat map
  behind them and the generator's gradient at each sample as an arrow.
* :class:`TrainingDashboard`: a Keras callback that redraws the losses and the
  samples in one place while ``fit`` runs, instead of printing line after line.
* :class:`LatentExplorer`: sliders along latent directions, and an interpolation
  slider between two samples.

Figures are drawn by matplotlib into PNG bytes shown by an ``ipywidgets.Image``,
which every front end displays (JupyterLab, classic Notebook, Colab, VS Code)
without an extra extension. Every widget keeps its state in plain attributes
(``step``, ``history``, ``last_image``), so tests drive them without a browser:
set a control's ``value``, call ``button.click()``, read the state back.
"""
from __future__ import annotations

import io
import threading

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from ganlab import data, models
from ganlab._checks import positive_int
from ganlab.training import GAN
from ganlab.views.callbacks import needs_noise_sampling
from ganlab.views.plots import discriminator_heatmap, image_grid, slerp


def render(figure: Figure) -> bytes:
    """A matplotlib figure as PNG bytes (drawn off-screen: no pyplot state, nothing displayed twice)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _image_widget():
    import ipywidgets

    return ipywidgets.Image(format="png", layout=ipywidgets.Layout(max_width="100%"))


class TrainingDashboard(keras.callbacks.Callback):
    """Losses and samples redrawn in place every ``every`` steps while ``fit`` runs.

    Use ``gan.fit(..., callbacks=[TrainingDashboard()], verbose=0)``: one image that
    updates, instead of a progress bar per epoch. Works for image GANs (a grid of
    samples from fixed noise) and 2-D GANs (a scatter of samples over the data).
    ``history`` keeps every logged value per step; ``last_image`` the newest PNG.
    """

    def __init__(self, every: int = 50, keys=None, n_samples: int = 64, real=None, display: bool = True):
        super().__init__()
        self.every = positive_int("every", every, example=50)
        self.n_samples = positive_int("n_samples", n_samples, example=64)
        self.keys, self.real, self.show = keys, real, display
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.updates = 0
        self.last_image = b""
        self.image = _image_widget()
        self._step = 0
        self._shown = False

    def check_model(self, model) -> None:
        needs_noise_sampling(self, model)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        for key, value in (logs or {}).items():
            if self.keys is None or key in self.keys:
                self.history.setdefault(key, []).append(float(value))
        self.steps.append(self._step)
        if self._step % self.every == 0:
            self.redraw()

    def on_train_end(self, logs=None):
        self.redraw()

    def redraw(self):
        figure = Figure(figsize=(10, 3.4), layout="constrained")
        left, right = figure.subplots(1, 2)
        for key, values in self.history.items():
            left.plot(self.steps[-len(values):], values, label=key, lw=1)
        left.set_xlabel("step")
        left.legend(fontsize=8, loc="upper right")
        left.set_title(f"step {self._step}")
        samples = self.model.sample(self.n_samples, seed=0)
        if samples.ndim == 4:
            image_grid(samples, ncols=int(np.ceil(np.sqrt(self.n_samples))), ax=right)
        elif samples.shape[1:] == (2,):
            if self.real is not None:
                right.scatter(self.real[:, 0], self.real[:, 1], s=2, c="black", label="real")
            right.scatter(samples[:, 0], samples[:, 1], s=4, c="tab:orange", label="generated")
            right.set_aspect("equal")
            right.legend(fontsize=8, loc="upper right")
        right.set_title("samples from fixed noise")
        self.last_image = render(figure)
        self.image.value = self.last_image
        self.updates += 1
        if self.show and not self._shown:
            from IPython.display import display

            display(self.image)
            self._shown = True


class LatentExplorer:
    """Sliders that move a latent vector along ``directions`` random unit directions, and one that interpolates.

    ``explorer.sliders[i].value = 2.0`` moves z by 2 along direction i;
    ``explorer.t.value = 0.5`` goes halfway (along the sphere) from sample A to
    sample B. ``explorer.widget`` is the box to display; ``explorer.latent()`` the
    current z; ``explorer.last_image`` the newest picture.
    """

    def __init__(self, gan, directions: int = 4, seed: int = 0, n: int = 1):
        import ipywidgets

        self.gan = gan
        directions = positive_int("directions", directions, example=4)
        rng = np.random.default_rng(seed)
        self.start, self.end = rng.standard_normal((2, gan.latent_dim)).astype(np.float32)
        basis = rng.standard_normal((gan.latent_dim, directions))
        self.directions = np.linalg.qr(basis)[0].T.astype(np.float32)  # orthonormal, (directions, latent_dim)
        self.sliders = [ipywidgets.FloatSlider(0.0, min=-3.0, max=3.0, step=0.1, description=f"direction {i + 1}",
                                               continuous_update=False) for i in range(directions)]
        self.t = ipywidgets.FloatSlider(0.0, min=0.0, max=1.0, step=0.05, description="A → B",
                                        continuous_update=False)
        self.image = _image_widget()
        self.last_image = b""
        for control in self.sliders + [self.t]:
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = ipywidgets.HBox([ipywidgets.VBox(self.sliders + [self.t]), self.image])
        self.redraw()

    def latent(self) -> np.ndarray:
        base = slerp(self.start, self.end, np.array([self.t.value]))[0]
        offsets = np.array([s.value for s in self.sliders], np.float32)
        return base + offsets @ self.directions

    def sample(self) -> np.ndarray:
        return keras.ops.convert_to_numpy(self.gan.sampling_generator(self.latent()[None], training=False))[0]

    def redraw(self):
        figure = Figure(figsize=(3, 3), layout="constrained")
        ax = figure.subplots()
        sample = self.sample()
        if sample.ndim == 3:
            ax.imshow((sample[..., 0] if sample.shape[-1] == 1 else sample) * 0.5 + 0.5, cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
        else:
            ax.bar(range(sample.size), sample.ravel())
        self.last_image = render(figure)
        self.image.value = self.last_image


class Playground:
    """A 2-D GAN to step by hand: the samples, D(x) behind them, and the generator's gradients as arrows.

    Controls (ipywidgets, each readable and settable from code): ``target`` (ring,
    grid, or a custom (n, 2) array passed as ``points``), ``loss`` (non-saturating
    or minimax), ``k`` (discriminator steps per generator step), ``d_rate`` and
    ``g_rate``; buttons ``step_d``, ``step_g``, ``step_both`` and ``play``/``pause``.
    State: ``step`` (generator steps), ``d_steps``, ``history`` (losses), ``last_image``.
    Changing the target, the loss or a rate starts a fresh pair of networks.
    """

    TARGETS = ("ring", "grid", "custom")

    def __init__(self, points=None, batch_size: int = 256, seed: int = 0, display: bool = True):
        import ipywidgets

        self.points = None if points is None else self._check_points(points)
        self.batch_size = positive_int("batch_size", batch_size, example=256)
        self.seed = seed
        targets = self.TARGETS if self.points is not None else self.TARGETS[:2]
        self.target = ipywidgets.Dropdown(options=targets, value="custom" if self.points is not None else "ring",
                                          description="target")
        self.loss = ipywidgets.Dropdown(options=["non_saturating", "minimax"], value="non_saturating",
                                        description="G loss")
        self.k = ipywidgets.IntSlider(1, min=1, max=10, description="k (D steps)")
        self.d_rate = ipywidgets.FloatLogSlider(1e-3, base=10, min=-5, max=-1, description="D rate")
        self.g_rate = ipywidgets.FloatLogSlider(1e-3, base=10, min=-5, max=-1, description="G rate")
        self.step_d = ipywidgets.Button(description="step D")
        self.step_g = ipywidgets.Button(description="step G")
        self.step_both = ipywidgets.Button(description="k D + 1 G")
        self.play = ipywidgets.Button(description="play", button_style="success")
        self.pause = ipywidgets.Button(description="pause", button_style="warning")
        self.status = ipywidgets.HTML()
        self.image = _image_widget()
        self.last_image = b""
        self.history: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
        self._running = threading.Event()
        self._thread = None
        self._lock = threading.RLock()  # reset() rebuilds the GAN while holding it
        for control in (self.target, self.loss, self.d_rate, self.g_rate):
            control.observe(lambda change: self.reset(), names="value")
        self.k.observe(lambda change: self._rebuild_gan(), names="value")
        self.step_d.on_click(lambda _: self.advance(d_steps=1, g_steps=0))
        self.step_g.on_click(lambda _: self.advance(d_steps=0, g_steps=1))
        self.step_both.on_click(lambda _: self.advance(d_steps=self.k.value, g_steps=1))
        self.play.on_click(lambda _: self.start())
        self.pause.on_click(lambda _: self.stop())
        controls = ipywidgets.VBox([self.target, self.loss, self.k, self.d_rate, self.g_rate,
                                    ipywidgets.HBox([self.step_d, self.step_g, self.step_both]),
                                    ipywidgets.HBox([self.play, self.pause]), self.status])
        self.widget = ipywidgets.HBox([controls, self.image])
        self.reset()
        if display:
            from IPython.display import display as show

            show(self.widget)

    @staticmethod
    def _check_points(points):
        points = np.asarray(points, np.float32)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) < 2 or not np.isfinite(points).all():
            raise ValueError(f"points must be finite 2-D samples of shape (n, 2) with n >= 2, got {points.shape}.")
        return points

    def data(self) -> np.ndarray:
        if self.target.value == "custom":
            return self.points
        return getattr(data, self.target.value)().sample(4000, seed=self.seed)

    def reset(self):
        """Fresh networks for the current target, loss and rates."""
        self.stop()
        with self._lock:
            keras.utils.set_random_seed(self.seed)
            self.real = self.data()
            self.generator = models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(64, 64),
                                                  output_activation=None, batch_norm=False)
            self.discriminator = models.mlp_discriminator(input_shape=(2,), hidden_units=(64, 64), dropout=0)
            self._rebuild_gan()
            self.step = self.d_steps = 0
            self.history = {"d_loss": [], "g_loss": []}
            self._rng = np.random.default_rng(self.seed)
        self.redraw()

    def _rebuild_gan(self):
        with self._lock:
            self.gan = GAN(self.generator, self.discriminator, discriminator_steps=self.k.value,
                           generator_loss=self.loss.value, seed=self.seed)
            self.gan.compile(keras.optimizers.Adam(self.g_rate.value, beta_1=0.5),
                             keras.optimizers.Adam(self.d_rate.value, beta_1=0.5))

    def advance(self, d_steps: int = 1, g_steps: int = 1, redraw: bool = True):
        """Take ``d_steps`` discriminator updates, then ``g_steps`` generator updates."""
        with self._lock:
            for i in range(d_steps):
                batch = self.gan.unpack(self.real[self._rng.integers(0, len(self.real), self.batch_size)])
                self.history["d_loss"].append(float(self.gan.discriminator_step(batch, draw=i)["d_loss"]))
                self.d_steps += 1
            for j in range(g_steps):
                batch = self.gan.unpack(self.real[:self.batch_size])  # only its size matters to G's update
                self.history["g_loss"].append(float(self.gan.generator_step(batch, draw=d_steps + j)["g_loss"]))
                self.step += 1
            self.gan.step_counter.assign_add(1)  # fresh noise for the next draw
        if redraw:
            self.redraw()

    def start(self, redraw_every: int = 10):
        """Play: k D steps and one G step, over and over, in a background thread until ``stop()``."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._running.set()

        def loop():
            count = 0
            while self._running.is_set():
                count += 1
                self.advance(self.k.value, 1, redraw=count % redraw_every == 0)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self):
        """Pause: let the current step finish, then stop."""
        self._running.clear()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            self.redraw()

    def gradients(self, fake: np.ndarray) -> np.ndarray:
        """-dL_G/dx at each generated point: the direction the generator's loss pushes it."""
        x = tf.constant(fake)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = self.gan.generator_loss_fn(self.discriminator(x, training=False)) * len(fake)
        return -tape.gradient(loss, x).numpy()

    def redraw(self):
        figure = Figure(figsize=(5, 5), layout="constrained")
        ax = figure.subplots()
        reach = float(np.abs(self.real).max() * 1.3 + 0.3)
        with self._lock:
            fake = self.gan.sample(300, seed=1)
            discriminator_heatmap(ax, self.gan, reach, resolution=80, colorbar=False)
            arrows = self.gradients(fake)
        ax.scatter(self.real[:1000, 0], self.real[:1000, 1], s=2, c="black", label="real")
        ax.scatter(fake[:, 0], fake[:, 1], s=6, c="tab:orange", label="generated")
        scale = np.abs(arrows).max() or 1.0
        ax.quiver(fake[::3, 0], fake[::3, 1], arrows[::3, 0] / scale, arrows[::3, 1] / scale, color="tab:green",
                  angles="xy", scale_units="xy", scale=4 / reach, width=0.004)
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-reach, reach)
        ax.legend(fontsize=7, loc="upper right")
        ax.set_title(f"G steps {self.step}, D steps {self.d_steps}   (colour: D(x))")
        self.last_image = render(figure)
        self.image.value = self.last_image
        d_loss = self.history["d_loss"][-1] if self.history["d_loss"] else float("nan")
        g_loss = self.history["g_loss"][-1] if self.history["g_loss"] else float("nan")
        self.status.value = f"D loss {d_loss:.3f}, G loss {g_loss:.3f}"

