"""Drawing a stored or fresh sweep (``ganlab.experiments.sweep``): heat maps over two settings, one-setting strips,
sample grids, and ``SweepExplorer``, a dropdown per setting over the stored rows (notebook 05)."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np

from ganlab.experiments.sweep import Settings, aggregate, one_factor, settings_of
from ganlab.views import plots
from ganlab.views.widgets import render


def heatmap(rows: list[dict], x: str, y: str, measure: str = "fd", ax=None, title: str | None = None,
            cmap: str | None = None):
    """A heat map of ``measure``'s mean over seeds on the grid of settings fields ``x`` and ``y``, each cell
    annotated with mean ± half-range over seeds. Rows must differ only in ``x`` and ``y`` (and the seed)."""
    summary = aggregate(rows)
    xs = sorted({getattr(s, x) for s in summary})
    ys = sorted({getattr(s, y) for s in summary})
    means, spreads = np.full((len(ys), len(xs)), np.nan), np.full((len(ys), len(xs)), np.nan)
    for settings, point in summary.items():
        i, j = ys.index(getattr(settings, y)), xs.index(getattr(settings, x))
        means[i, j], spreads[i, j] = point[measure]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(xs) + 1.5, 1.1 * len(ys) + 1.2))
    cmap = cmap or ("viridis_r" if measure == "fd" else "viridis")  # yellow is good either way
    image = ax.imshow(means, cmap=cmap, origin="lower", aspect="auto")
    digits = 0 if measure == "fd" else 2
    middle = np.nanmean([np.nanmin(means), np.nanmax(means)])
    for i in range(len(ys)):
        for j in range(len(xs)):
            if np.isfinite(means[i, j]):
                dark = (means[i, j] > middle) == (measure == "fd")
                ax.text(j, i, f"{means[i, j]:.{digits}f}\n± {spreads[i, j]:.{digits}f}", ha="center", va="center",
                        fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    ax.set_title(title or f"{measure}: mean ± half-range over seeds", fontsize=10)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    return ax


def factor_strip(rows: list[dict], base: Settings, field: str, measure: str = "fd", ax=None, limits=None):
    """A one-row heat map of ``measure`` as ``field`` varies around ``base`` (annotated mean ± half-range).

    ``limits`` (low, high) fixes the colour scale, so that strips of several settings can be compared by colour;
    by default each strip spans its own range.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 1.6))
    summary = aggregate(one_factor(rows, base, field))
    values = sorted({getattr(s, field) for s in summary})
    points = [next(point for s, point in summary.items() if getattr(s, field) == v) for v in values]
    means = np.array([[point[measure][0] for point in points]])
    low, high = limits if limits is not None else (means.min(), means.max())
    ax.imshow(means, cmap="viridis_r" if measure == "fd" else "viridis", aspect="auto", vmin=low, vmax=high)
    digits = 0 if measure == "fd" else 2
    for j, point in enumerate(points):
        dark = (means[0, j] > (low + high) / 2) == (measure == "fd")
        ax.text(j, 0, f"{point[measure][0]:.{digits}f}\n± {point[measure][1]:.{digits}f}", ha="center", va="center",
                fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(len(values)), [f"{v:g}" for v in values])
    ax.set_yticks([])
    ax.set_xlabel(field.replace("_", " "))
    return ax


def sample_grid(samples: np.ndarray, ax=None, title: str | None = None, ncols: int = 8):
    """Draw uint8 samples (n, 28, 28) as a grid."""
    images = samples.astype(np.float32)[..., None] / 127.5 - 1
    return plots.image_grid(images, ncols=ncols, ax=ax, title=title)


# -- the interactive view ---------------------------------------------------------------------------------

class SweepExplorer:
    """Pick a sweep point with one dropdown per setting; see its samples (first seed) and its numbers.

    All drawn from stored rows (no training). ``choose(field=value, ...)`` does what the dropdowns do, so
    a test can drive it; ``settings``, ``text`` and ``png`` hold the current point, its numbers and its
    picture. A combination that the sweep did not run says so instead of drawing.
    """

    def __init__(self, rows: list[dict], display: bool = True):
        if not rows:
            raise ValueError("rows is empty: pass the rows of a sweep (sweep.load() or a list of run() results).")
        self.rows = rows
        self.summary = aggregate(rows)
        self.fields = [f.name for f in dataclasses.fields(Settings)
                       if len({getattr(s, f.name) for s in self.summary}) > 1]
        self.settings = next(iter(self.summary))
        self.text, self.png = "", b""
        self.widget, self._syncing = None, False
        if display:
            import ipywidgets

            self._dropdowns = {name: ipywidgets.Dropdown(
                options=sorted({getattr(s, name) for s in self.summary}), value=getattr(self.settings, name),
                description=name.replace("_", " "), style={"description_width": "initial"}) for name in self.fields}
            for dropdown in self._dropdowns.values():
                dropdown.observe(self._picked, names="value")
            self._image = ipywidgets.Image(format="png", width=360)
            self._label = ipywidgets.HTML()
            self.widget = ipywidgets.VBox([ipywidgets.HBox(list(self._dropdowns.values())[:3]),
                                           ipywidgets.HBox(list(self._dropdowns.values())[3:]),
                                           self._label, self._image])
        self.redraw()

    def _picked(self, change):
        if not self._syncing:
            self.choose(**{name: dropdown.value for name, dropdown in self._dropdowns.items()})

    def choose(self, **values) -> bool:
        """Move to the point with these settings; False (and a message in ``text``) if the sweep lacks it."""
        unknown = set(values) - {f.name for f in dataclasses.fields(Settings)}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; choose from {self.fields}.")
        wanted = dataclasses.replace(self.settings, **values)
        if wanted not in self.summary:
            self.text = f"not in the sweep: {wanted.label()} (the sweep varies one setting at a time)"
            self.png = b""
            self._show()
            return False
        self.settings = wanted
        if self.widget is not None:  # keep the dropdowns in step when called from code
            self._syncing = True
            for name, dropdown in self._dropdowns.items():
                dropdown.value = getattr(wanted, name)
            self._syncing = False
        self.redraw()
        return True

    def redraw(self):
        point = self.summary[self.settings]
        self.text = (f"{self.settings.label()}: FD {point['fd'][0]:.1f} ± {point['fd'][1]:.1f}, "
                     f"precision {point['precision'][0]:.2f} ± {point['precision'][1]:.2f}, "
                     f"recall {point['recall'][0]:.2f} ± {point['recall'][1]:.2f} ({point['seeds']} seeds)")
        row = next((r for r in self.rows if settings_of(r) == self.settings and "samples" in r), None)
        if row is None:
            self.png = b""
        else:
            figure, ax = plt.subplots(figsize=(4, 2.2))
            sample_grid(row["samples"], ax=ax, title=f"seed {row['seed']}")
            self.png = render(figure)
            plt.close(figure)  # drawn into the widget only, not also below the cell
        self._show()

    def _show(self):
        if self.widget is not None:
            self._label.value = self.text
            self._image.value = self.png
