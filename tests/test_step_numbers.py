"""Every GAN kind keeps the numbers of its training step across refactors of the shared core.

``tests/data/step_numbers.json`` was computed before the step was written once for all kinds
(``ganlab.training.core.Game``), by ``tests/step_cases.py`` on tiny networks; the same machine's
run must agree within float tolerance (the kernels are the same, the order of operations may not be).
"""
import json

import pytest

from step_cases import KINDS, STORED, numbers

# Logged values that the shared step defines anew for k > 1: the mean over the step's k discriminator
# updates, where the old per-kind steps logged the last update's value. Every weight is compared.
REDEFINED_FOR_K_ABOVE_1 = {"plain_r1_k2": {"d_real", "d_fake"}, "wgan_gp": {"wasserstein"},
                           "wgan_clip": {"wasserstein"}}


@pytest.mark.parametrize("kind", KINDS)
def test_the_step_keeps_its_numbers(kind):
    before = json.loads(STORED.read_text())[kind]
    after = numbers(kind)
    assert set(after) == set(before)
    for name, value in before.items():
        if name in REDEFINED_FOR_K_ABOVE_1.get(kind, ()):
            continue
        assert after[name] == pytest.approx(value, rel=2e-4, abs=2e-5), name
