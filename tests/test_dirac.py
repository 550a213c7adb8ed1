"""ganlab.experiments.dirac: the Dirac-GAN's updates, their Jacobians at the equilibrium, and where the iterates go."""
import numpy as np
import pytest

from ganlab.experiments import dirac


def test_f_prime_is_the_derivative_of_f():
    t = np.linspace(-6, 6, 25)
    f = lambda s: -np.log1p(np.exp(-s))  # noqa: E731
    h = 1e-6
    assert np.allclose(dirac.f_prime(t), (f(t + h) - f(t - h)) / (2 * h), atol=1e-6)
    assert dirac.f_prime(0.0) == pytest.approx(0.5)
    assert np.isfinite(dirac.f_prime(np.array([-1e4, 1e4]))).all()  # no overflow far out


def test_the_field_is_gradient_descent_on_theta_and_ascent_on_psi():
    def loss(theta, psi, gamma=0.0):  # L(theta, psi) = f(psi theta) + f(0), D's side minus the R1 penalty
        return -np.log1p(np.exp(-psi * theta)) - np.log(2) - gamma / 2 * psi**2

    theta, psi, gamma, h = 0.7, -1.3, 0.4, 1e-6
    d_theta, d_psi = dirac.vector_field(theta, psi, gamma)
    assert d_theta == pytest.approx(-(loss(theta + h, psi) - loss(theta - h, psi)) / (2 * h), abs=1e-6)
    assert d_psi == pytest.approx((loss(theta, psi + h, gamma) - loss(theta, psi - h, gamma)) / (2 * h), abs=1e-6)
    assert dirac.vector_field(0.0, 0.0) == (0.0, 0.0)  # the equilibrium


@pytest.mark.parametrize("method, gamma, low, high", [
    ("simultaneous", 0.0, 1.0 + 1e-3, np.inf),   # spirals outwards
    ("alternating", 0.0, 1.0 - 1e-12, 1.0 + 1e-12),  # circles
    ("simultaneous", 0.3, 0.0, 1.0 - 1e-3),      # R1: spirals inwards
    ("alternating", 0.3, 0.0, 1.0 - 1e-3),
])
def test_eigenvalue_moduli_at_the_equilibrium(method, gamma, low, high):
    moduli = dirac.eigenvalue_moduli(0.2, method, gamma)
    assert moduli.shape == (2,) and np.all((moduli >= low) & (moduli <= high)), moduli


def test_simultaneous_moduli_are_sqrt_one_plus_a_squared():
    h = 0.2
    assert dirac.eigenvalue_moduli(h) == pytest.approx([np.sqrt(1 + (h / 2) ** 2)] * 2)


def test_the_update_matrix_is_the_jacobian_of_one_step():
    for method in dirac.METHODS:
        for gamma in (0.0, 0.3):
            eps = 1e-6
            columns = []
            for start in ((eps, 0.0), (0.0, eps)):
                step = dirac.trajectory(*start, steps=1, learning_rate=0.2, method=method, r1_weight=gamma)[1]
                columns.append(step / eps)
            assert np.allclose(np.array(columns).T, dirac.update_matrix(0.2, method, gamma), atol=1e-5)


def test_simultaneous_steps_grow_the_radius_exactly_as_the_formula_says():
    points = dirac.trajectory(1.0, 1.0, steps=50, learning_rate=0.2)
    r = dirac.radius(points)
    slope = dirac.f_prime(points[:-1, 0] * points[:-1, 1])
    assert np.allclose(r[1:] ** 2, r[:-1] ** 2 * (1 + 0.2**2 * slope**2))
    assert np.all(np.diff(r) > 0)


def test_where_the_iterates_go():
    start = np.hypot(1.0, 1.0)
    simultaneous = dirac.radius(dirac.trajectory(1.0, 1.0, steps=500, learning_rate=0.2))
    alternating = dirac.radius(dirac.trajectory(1.0, 1.0, steps=500, learning_rate=0.2, method="alternating"))
    penalised = dirac.radius(dirac.trajectory(1.0, 1.0, steps=500, learning_rate=0.2, r1_weight=0.3))
    assert simultaneous[-1] > 1.5 * start
    assert 0.8 * start < alternating.min() and alternating.max() < 1.2 * start  # bounded, and not converging
    assert penalised[-1] < 1e-3 * start


def test_a_smaller_step_circles_more_closely_but_does_not_converge():
    # the same time (steps x learning rate): the outward drift shrinks with h, the radius never falls
    coarse = dirac.radius(dirac.trajectory(1.0, 1.0, steps=300, learning_rate=0.2))
    fine = dirac.radius(dirac.trajectory(1.0, 1.0, steps=3000, learning_rate=0.02))
    assert coarse[-1] > fine[-1] > fine[0]


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, phrase", [
    ({"method": "adam"}, ValueError, "method must be one of"),
    ({"learning_rate": 0.0}, ValueError, "learning_rate must be a finite number > 0"),
    ({"steps": 0}, ValueError, "steps must be at least 1"),
    ({"steps": 2.5}, TypeError, "steps must be an integer"),
    ({"r1_weight": -1.0}, ValueError, "r1_weight must be a finite number >= 0"),
    ({"theta": float("nan")}, ValueError, "theta must be a finite number"),
])
def test_bad_arguments_are_named(kwargs, error, phrase):
    with pytest.raises(error, match=phrase):
        dirac.trajectory(**kwargs)


@pytest.mark.bad_input
def test_radius_wants_pairs():
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\)"):
        dirac.radius(np.zeros(5))
    with pytest.raises(ValueError, match="method must be one of"):
        dirac.update_matrix(method="both")
