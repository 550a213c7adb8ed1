"""The Dirac-GAN: the smallest GAN that does not converge (Mescheder et al., 2018; notebook 01).

Mescheder, Geiger and Nowozin (2018), "Which training methods for GANs do actually
converge?", ICML, section 2.2. The data is a point mass at 0, the generator a point
mass at theta, and the discriminator a line through the origin, with logit psi * x:

    D_psi(x) = sigmoid(psi * x),    L(theta, psi) = f(psi * theta) + f(0),
    f(t) = -log(1 + exp(-t)),       f'(t) = sigmoid(-t),    f'(0) = 1/2.

The generator lowers L, the discriminator raises it. The only equilibrium is
(theta, psi) = (0, 0): the generator sits on the data and D = 1/2 everywhere.
Gradient descent-ascent with step h follows the vector field

    v(theta, psi) = (-psi f'(psi theta),  theta f'(psi theta) - gamma psi),

where gamma psi is the gradient of the R1 penalty gamma / 2 * E_data[(d D_psi / dx)^2]
= gamma / 2 * psi^2 (0 without the penalty). The two ways of stepping:

* simultaneous: theta' = theta - h psi f'(psi theta),
                psi'   = psi + h (theta f'(psi theta) - gamma psi);
* alternating:  theta' as above, then psi' computed from the new theta'.

Without the penalty the gradient flow conserves theta^2 + psi^2 (it circles);
simultaneous steps multiply the squared radius by exactly 1 + h^2 f'(psi theta)^2
each step (they spiral outwards); alternating steps have an update Jacobian of
determinant 1 at the equilibrium (they circle, neither converging nor diverging);
with gamma > h f'(0)^2 every eigenvalue has modulus below 1 (they spiral inwards).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ganlab._checks import one_of, positive_float, positive_int

METHODS = ("simultaneous", "alternating")


def f_prime(t):
    """f'(t) = sigmoid(-t) for f(t) = -log(1 + exp(-t)), the standard GAN's f; 1/2 at t = 0."""
    return 0.5 * (1.0 - np.tanh(np.asarray(t, dtype=np.float64) / 2.0))  # = 1 / (1 + e^t), without overflow


def vector_field(theta, psi, r1_weight: float = 0.0):
    """The descent-ascent direction (d theta, d psi) = (-psi f'(psi theta), theta f'(psi theta) - gamma psi)."""
    slope = f_prime(np.asarray(psi) * np.asarray(theta))
    return -psi * slope, theta * slope - r1_weight * psi


def trajectory(theta: float = 1.0, psi: float = 1.0, steps: int = 300, learning_rate: float = 0.2,
               method: str = "simultaneous", r1_weight: float = 0.0) -> np.ndarray:
    """The iterates of gradient descent (theta) and ascent (psi), shape (steps + 1, 2), start first.

    Args:
        theta, psi: the starting point; (0, 0) is the equilibrium.
        steps: updates of each player.
        learning_rate: h, the step of both players.
        method: ``"simultaneous"`` (both from the same point) or ``"alternating"``
            (the generator first, then the discriminator against the new theta).
        r1_weight: gamma of the R1 penalty on the discriminator; 0 for none.
    """
    steps = positive_int("steps", steps, example=300)
    learning_rate = positive_float("learning_rate", learning_rate)
    r1_weight = positive_float("r1_weight", r1_weight, allow_zero=True)
    one_of("method", method, METHODS)
    for name, value in (("theta", theta), ("psi", psi)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number (a starting point such as 1.0), got {value!r}.")
    points = np.empty((steps + 1, 2))
    points[0] = theta, psi
    for i in range(steps):
        d_theta, d_psi = vector_field(theta, psi, r1_weight)
        theta = theta + learning_rate * d_theta
        if method == "alternating":  # the discriminator answers the generator's new position
            _, d_psi = vector_field(theta, psi, r1_weight)
        psi = psi + learning_rate * d_psi
        points[i + 1] = theta, psi
    return points


def radius(points: np.ndarray) -> np.ndarray:
    """The distance of each iterate (n, 2) from the equilibrium (0, 0), shape (n,)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), one (theta, psi) per row, got {points.shape}: "
                         "pass the output of dirac.trajectory.")
    return np.hypot(points[:, 0], points[:, 1])


def update_matrix(learning_rate: float = 0.2, method: str = "simultaneous", r1_weight: float = 0.0) -> np.ndarray:
    """The Jacobian (2, 2) of one update (theta, psi) -> (theta', psi') at the equilibrium.

    With a = h f'(0) = h / 2 and gamma the R1 weight:

        simultaneous  [[1, -a], [a, 1 - h gamma]],
        alternating   [[1, -a], [a, 1 - a^2 - h gamma]].

    The iterates converge near (0, 0) only if every eigenvalue has modulus below 1.
    """
    learning_rate = positive_float("learning_rate", learning_rate)
    r1_weight = positive_float("r1_weight", r1_weight, allow_zero=True)
    one_of("method", method, METHODS)
    a = learning_rate * float(f_prime(0.0))
    damping = learning_rate * r1_weight
    if method == "simultaneous":
        return np.array([[1.0, -a], [a, 1.0 - damping]])
    return np.array([[1.0, -a], [a, 1.0 - a * a - damping]])


def eigenvalue_moduli(learning_rate: float = 0.2, method: str = "simultaneous", r1_weight: float = 0.0) -> np.ndarray:
    """|eigenvalues| of :func:`update_matrix`, largest first: > 1 spirals out, = 1 circles, < 1 spirals in."""
    return np.sort(np.abs(np.linalg.eigvals(update_matrix(learning_rate, method, r1_weight))))[::-1]


def draw(trajectories: dict, axes=None):
    """Trajectories ({label: (n, 2) iterates}) in the (theta, psi) plane, and their distance from (0, 0) per step.

    Returns the two axes. The equilibrium is the black cross, each start a dot.
    """
    if not isinstance(trajectories, dict) or not trajectories:
        raise TypeError("trajectories must be a dict {label: iterates from dirac.trajectory}, with at least one entry.")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    plane, distance = axes
    for label, points in trajectories.items():
        r = radius(points)
        line, = plane.plot(points[:, 0], points[:, 1], lw=0.9, label=label)
        plane.plot(points[0, 0], points[0, 1], "o", color=line.get_color(), ms=4)
        distance.plot(np.arange(len(r)), r, color=line.get_color(), label=label)
    plane.plot(0, 0, "kx", ms=8, mew=2)
    plane.set_xlabel("theta (the generator's point)")
    plane.set_ylabel("psi (the discriminator's slope)")
    plane.set_aspect("equal", adjustable="datalim")
    plane.legend(fontsize=7, loc="lower left")
    distance.set_yscale("log")
    distance.set_xlabel("step")
    distance.set_ylabel("distance from (0, 0)")
    distance.legend(fontsize=7)
    return axes
