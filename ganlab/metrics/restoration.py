"""Distortion: how far a restored image is from its target, pixel by pixel (notebook 08).

Both take images in [-1, 1] (data range 2) and return one value per image, shape (n,);
average them over a test set. They are TensorFlow's implementations (``tf.image.psnr``,
``tf.image.ssim``), applied so that the numbers equal the usual ones for 8-bit images.

PSNR (peak signal-to-noise ratio), in decibels, with R = 2 the data range:

    PSNR(x, y) = 10 log10(R^2 / MSE(x, y)),   MSE = mean (x - y)^2 over the image's pixels.

Higher is better; identical images give +inf. An MSE of 0.04 gives 10 log10(4 / 0.04) = 20 dB.

SSIM (structural similarity; Wang, Bovik, Sheikh and Simoncelli, 2004) compares local
means, variances and covariance in 11x11 Gaussian windows (sigma 1.5), averaged over the
windows:

    SSIM(x, y) = mean over windows of (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))

with C1 = (0.01 L)^2, C2 = (0.03 L)^2. Its luminance term is not shift-invariant, so
images are first mapped to [0, 1] (L = 1), as 8-bit pixels / 255 would be. 1 for
identical images, lower for worse. Both reward averaging over plausible answers: a
blurred mean is close, in these senses, to every answer (Blau and Michaeli, 2018).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf


def _pair(a, b):
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    if a.ndim == 3:
        a, b = a[..., None], b[..., None] if b.ndim == 3 else b
    if a.shape != b.shape:
        raise ValueError(f"images and targets must have the same shape, got {a.shape} and {b.shape}.")
    if a.ndim != 4:
        raise ValueError(f"images must have shape (n, H, W, C), got {a.shape}.")
    for name, x in (("images", a), ("targets", b)):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} contain NaN or infinite values.")
        if x.min() < -1.001 or x.max() > 1.001:
            raise ValueError(f"{name} must be in [-1, 1], got values in [{x.min():.3g}, {x.max():.3g}]; "
                             "for pixels 0..255 use ganlab.data.to_unit_range.")
    return a, b


def psnr(images, targets) -> np.ndarray:
    """PSNR in dB of each image against its target, (n,); images in [-1, 1], data range 2 (see the module)."""
    a, b = _pair(images, targets)
    return np.concatenate([tf.image.psnr(a[i:i + 2000], b[i:i + 2000], max_val=2.0).numpy()
                           for i in range(0, len(a), 2000)]).astype(np.float64)


def ssim(images, targets) -> np.ndarray:
    """SSIM of each image against its target, (n,), on images mapped from [-1, 1] to [0, 1] (see the module)."""
    a, b = _pair(images, targets)
    return np.concatenate([tf.image.ssim((a[i:i + 2000] + 1) / 2, (b[i:i + 2000] + 1) / 2, max_val=1.0).numpy()
                           for i in range(0, len(a), 2000)]).astype(np.float64)
