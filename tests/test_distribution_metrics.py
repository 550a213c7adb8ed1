"""ganlab.metrics.distribution: KID, precision/recall/density/coverage and memorisation on feature arrays
(no TensorFlow model needed), checked against exact values, brute-force loops and the published Gaussian case."""
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from ganlab.metrics import distribution
from ganlab.metrics import kernel_inception_distance, memorisation, precision_recall_density_coverage


def gaussian(n, d, seed, shift=0.0):
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


# -- kernel inception distance -----------------------------------------------------------------------------

def cubic_kernel(x, y):
    return (np.dot(x, y) / len(x) + 1) ** 3


def test_kid_matches_a_double_loop():
    """With subset_size = n and one subset, KID is the unbiased MMD^2 of the whole sets, written out here."""
    a, b = gaussian(6, 3, 0), gaussian(6, 3, 1, shift=0.5)
    m = len(a)
    within = sum(cubic_kernel(a[i], a[j]) + cubic_kernel(b[i], b[j]) for i in range(m) for j in range(m) if i != j)
    across = sum(cubic_kernel(a[i], b[j]) for i in range(m) for j in range(m))
    expected = within / (m * (m - 1)) - 2 * across / m**2
    result = kernel_inception_distance(a, b, subsets=1, subset_size=m)
    assert result.mean == pytest.approx(expected, rel=1e-12)
    assert result.std == 0 and (result.subsets, result.subset_size) == (1, 6)


def test_kid_of_two_point_masses():
    """All samples at p against all at q: MMD^2 = k(p, p) + k(q, q) - 2 k(p, q) exactly, on every subset."""
    p, q = np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 3.0])
    result = kernel_inception_distance(np.tile(p, (50, 1)), np.tile(q, (40, 1)), subsets=5, subset_size=20)
    expected = cubic_kernel(p, p) + cubic_kernel(q, q) - 2 * cubic_kernel(p, q)
    assert result.mean == pytest.approx(expected, rel=1e-12)
    assert result.std == pytest.approx(0, abs=1e-9)


def test_kid_in_one_dimension_from_moments():
    """In 1-d, (xy + 1)^3 = sum_p c_p x^p y^p with c = (1, 3, 3, 1), so the estimate is a function of the
    power sums S_p = sum x^p: sum_{i != j} x_i^p x_j^p = S_p^2 - S_2p."""
    a, b = gaussian(300, 1, 0, shift=0.5)[:, 0], gaussian(300, 1, 1)[:, 0]
    m, c = len(a), (1, 3, 3, 1)

    def within(x):
        return sum(c[p] * (np.sum(x**p) ** 2 - np.sum(x ** (2 * p))) for p in range(4)) / (m * (m - 1))

    across = sum(c[p] * np.sum(a**p) * np.sum(b**p) for p in range(4)) / m**2
    result = kernel_inception_distance(a[:, None], b[:, None], subsets=1, subset_size=m)
    assert result.mean == pytest.approx(within(a) + within(b) - 2 * across, rel=1e-9)


def test_kid_of_one_distribution_is_near_zero_and_grows_with_a_mean_shift():
    a = gaussian(2000, 16, 0)
    results = [kernel_inception_distance(a, gaussian(2000, 16, 1, shift), subsets=10, subset_size=500)
               for shift in (0.0, 0.1, 0.3, 1.0)]  # means 0.0009, 0.024, 0.29, 7.3
    means = [result.mean for result in results]
    assert abs(means[0]) < 0.005  # about 0, possibly negative; the biased estimate (pairs with itself) is 0.03
    assert means[0] < means[1] < means[2] < means[3]
    assert means[1] > 3 * results[1].std / np.sqrt(10)  # a shift of 0.1 per coordinate is already detected
    assert "subsets of 500" in str(results[0])


BAD_KID = [
    (dict(features_b=np.zeros((10, 4))), ValueError, "the same number of features.*features_a has 3"),
    (dict(subset_size=11), ValueError, r"subset_size must be at most the number of samples.*subset_size=10"),
    (dict(subset_size=1), ValueError, "subset_size must be at least 2"),
    (dict(subsets=0), ValueError, "subsets must be at least 1"),
    (dict(subsets=2.5), TypeError, "subsets must be an integer"),
    (dict(seed=-1), ValueError, "seed must be at least 0"),
    (dict(features_a=np.zeros(10)), ValueError, r"features_a must be a 2-D array.*got shape \(10,\)"),
    (dict(features_a=np.full((10, 3), np.nan)), ValueError, "features_a holds NaN"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize("change, error, match", BAD_KID, ids=[m.split()[0] + str(i) for i, (_, _, m) in
                                                                  enumerate(BAD_KID)])
def test_kid_bad_input(change, error, match):
    arguments = dict(features_a=np.zeros((10, 3)), features_b=np.ones((12, 3)), subsets=2, subset_size=5)
    with pytest.raises(error, match=match):
        kernel_inception_distance(**{**arguments, **change})


# -- precision, recall, density, coverage: the published Gaussian case -------------------------------------

# Naeem et al. (2020), section 3: two samples of 10,000 from N(0, I) in 1,000-d, k = 5. The half-widths
# cover the spread over 11 seeds measured by hand (precision 0.462-0.500, recall 0.462-0.485, density
# 0.944-1.102, coverage 0.963-0.977) and reject the bugs below (self among the neighbours: coverage
# 0.934-0.948, precision 0.43-0.45; k = 1: precision 0.23, coverage 0.51).
PUBLISHED = {"precision": (0.477, 0.035), "recall": (0.471, 0.035), "density": (1.056, 0.15),
             "coverage": (0.974, 0.015)}


def outside_the_published_values(result):
    return [name for name, (value, half_width) in PUBLISHED.items()
            if abs(getattr(result, name) - value) > half_width]


@pytest.fixture(scope="module")
def gaussian_sets():
    rng = np.random.default_rng(0)
    return rng.standard_normal((10000, 1000), np.float32), rng.standard_normal((10000, 1000), np.float32)


def test_published_gaussian_case(gaussian_sets):
    result = precision_recall_density_coverage(*gaussian_sets, k=5)  # seed 0: 0.482, 0.462, 1.062, 0.974
    assert outside_the_published_values(result) == [], str(result)


def test_the_published_case_catches_a_wrong_neighbour_count(gaussian_sets, monkeypatch):
    """A classic bug: the k-th neighbour found among all samples, the point itself (at distance 0) included,
    so the balls are those of k - 1. The sanity check must fail on it."""
    def radii_with_itself(features, k):
        distances = distribution._squared_distances(features, *distribution._columns(features))
        return np.partition(distances, k - 1, axis=1)[:, k - 1]

    monkeypatch.setattr(distribution, "_kth_neighbour_squared_distances", radii_with_itself)
    result = precision_recall_density_coverage(*gaussian_sets, k=5)
    assert "coverage" in outside_the_published_values(result), str(result)


# -- precision, recall, density, coverage: exact cases -----------------------------------------------------

def brute_force_prdc(real, fake, k):
    """The definitions, written out with full distance matrices (small sets only)."""
    real_real, fake_fake, real_fake = cdist(real, real), cdist(fake, fake), cdist(real, fake)
    real_radii = np.sort(real_real, axis=1)[:, k]  # column 0 is the point itself
    fake_radii = np.sort(fake_fake, axis=1)[:, k]
    inside = real_fake < real_radii[:, None]
    return (inside.any(axis=0).mean(), (real_fake < fake_radii[None, :]).any(axis=1).mean(),
            inside.sum() / (k * len(fake)), (real_fake.min(axis=1) < real_radii).mean())


@pytest.mark.parametrize("k", [1, 3, 5])
def test_prdc_matches_the_definitions_across_blocks(k, monkeypatch):
    monkeypatch.setattr(distribution, "_BLOCK", 7)  # several blocks, the last one partial
    real, fake = gaussian(60, 4, 0), gaussian(45, 4, 1, shift=0.3)
    result = precision_recall_density_coverage(real, fake, k=k)
    expected = brute_force_prdc(real, fake, k)
    assert (result.precision, result.recall, result.density, result.coverage) == pytest.approx(expected)


def test_a_set_against_itself():
    """Every sample lies in its own ball (at distance 0), so precision = recall = coverage = 1. The open ball of
    radius r_i holds sample i and its k - 1 nearest neighbours; the k-th lies on the boundary, where rounding
    may put it in or out, so density lies between N k / (k N) = 1 and N (k + 1) / (k N) = 1.2.
    The offset checks the centring: without it float32 rounding gives density 0.80 and coverage 0.998 here."""
    features = gaussian(500, 8, 0) + 1000.0
    for other in (features, features.copy(), features[::-1]):
        result = precision_recall_density_coverage(features, other, k=5)
        assert (result.precision, result.recall, result.coverage) == (1.0, 1.0, 1.0)
        assert 1.0 - 1e-9 <= result.density <= 1.2 + 1e-9


def test_disjoint_sets_score_zero():
    result = precision_recall_density_coverage(gaussian(300, 8, 0), gaussian(200, 8, 1, shift=100.0))
    assert (result.precision, result.recall, result.density, result.coverage) == (0.0, 0.0, 0.0, 0.0)


def test_a_generator_that_draws_one_class():
    """Real data: 10 well-separated clusters; fakes: samples of one of them. Faithful but not diverse."""
    centres = gaussian(10, 4, 0) * 20
    rng = np.random.default_rng(1)
    real = np.repeat(centres, 300, axis=0) + rng.normal(size=(3000, 4))
    fake = centres[0] + rng.normal(size=(1000, 4))
    result = precision_recall_density_coverage(real, fake)
    assert result.precision > 0.9 and result.density > 0.8
    assert result.recall <= 0.1 and result.coverage <= 0.1  # only the 300 real samples of that class
    swapped = precision_recall_density_coverage(fake, real)  # the roles matter: not symmetric
    assert swapped.precision < 0.12 and swapped.recall > 0.9


def test_two_samples_of_one_distribution_in_two_dimensions():
    """In low dimensions the k-NN balls fit the data well: precision and recall near 1, density near 1,
    coverage near 1 - 2^-k (the chance that the k nearest of the pooled samples are not all real)."""
    result = precision_recall_density_coverage(gaussian(3000, 2, 0), gaussian(3000, 2, 1))
    assert result.precision > 0.9 and result.recall > 0.9
    assert result.density == pytest.approx(1.0, abs=0.08)
    assert result.coverage == pytest.approx(1 - 2**-5, abs=0.015)
    assert str(result).startswith("precision 0.9") and str(result).endswith("(k = 5)")


BAD_PRDC = [
    (dict(fake_features=np.zeros((10, 4))), ValueError, "the same number of features.*real_features has 3"),
    (dict(k=10), ValueError, r"k must be smaller than the number of samples in real_features, got k=10 with 10"),
    (dict(fake_features=np.zeros((3, 3))), ValueError, "k must be smaller than the number of samples in fake"),
    (dict(k=0), ValueError, "k must be at least 1"),
    (dict(k=2.0), TypeError, "k must be an integer"),
    (dict(real_features=np.full((10, 3), np.nan)), ValueError, "real_features holds NaN"),
    (dict(fake_features=np.zeros((2, 3, 4))), ValueError, r"fake_features must be a 2-D array"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize("change, error, match", BAD_PRDC, ids=[str(i) for i in range(len(BAD_PRDC))])
def test_prdc_bad_input(change, error, match):
    arguments = dict(real_features=gaussian(10, 3, 0), fake_features=gaussian(12, 3, 1), k=3)
    with pytest.raises(error, match=match):
        precision_recall_density_coverage(**{**arguments, **change})


# -- memorisation --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def train_and_test():
    return gaussian(5000, 32, 0), gaussian(1000, 32, 1)


def test_copies_of_training_samples_are_found(train_and_test):
    train, test = train_and_test
    rng = np.random.default_rng(2)
    copied = rng.choice(len(train), 300, replace=False)
    noise = 1e-3 * rng.normal(size=(300, 32))
    result = memorisation(train[copied] + noise, train, test)
    np.testing.assert_array_equal(result.nearest_train_index, copied)
    np.testing.assert_allclose(result.nearest_train_distance, np.linalg.norm(noise, axis=1), rtol=1e-6)
    assert result.distance_ratio < 0.01 and result.copied_fraction == 1.0
    assert "100.0% are closer" in str(result)


def test_fresh_samples_are_as_far_as_held_out_data(train_and_test):
    train, test = train_and_test
    result = memorisation(gaussian(1000, 32, 3), train, test)
    assert result.distance_ratio == pytest.approx(1.0, abs=0.05)
    assert result.copied_fraction < 0.04  # 0.01 expected
    assert result.test_nearest_train_distance.shape == (1000,)
    assert result.threshold == pytest.approx(np.percentile(result.test_nearest_train_distance, 1))


def test_memorisation_matches_a_full_distance_matrix(monkeypatch):
    monkeypatch.setattr(distribution, "_BLOCK", 16)
    generated, train, test = gaussian(50, 5, 0), gaussian(80, 5, 1), gaussian(40, 5, 2)
    result = memorisation(generated, train, test)
    distances = cdist(generated, train)
    np.testing.assert_array_equal(result.nearest_train_index, distances.argmin(axis=1))
    np.testing.assert_allclose(result.nearest_train_distance, distances.min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(result.test_nearest_train_distance, cdist(test, train).min(axis=1), rtol=1e-12)
    expected = np.median(distances.min(axis=1)) / np.median(cdist(test, train).min(axis=1))
    assert result.distance_ratio == pytest.approx(expected, rel=1e-12)


BAD_MEMORISATION = [
    (dict(test_features=np.zeros((5, 4))), ValueError, "the same number of features.*test_features has 4"),
    (dict(generated_features=np.full((5, 3), np.inf)), ValueError, "generated_features holds NaN or infinite"),
    (dict(train_features=np.zeros((0, 3))), ValueError, "train_features must hold at least 1 sample, got 0"),
    (dict(test_features="train"), ValueError, "test_features are copies of training samples"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize("change, error, match", BAD_MEMORISATION, ids=["dims", "inf", "empty", "test-is-train"])
def test_memorisation_bad_input(change, error, match):
    arguments = dict(generated_features=gaussian(5, 3, 0), train_features=gaussian(8, 3, 1),
                     test_features=gaussian(6, 3, 2))
    if isinstance(change.get("test_features"), str):
        change = dict(test_features=arguments["train_features"][:4])
    with pytest.raises(error, match=match):
        memorisation(**{**arguments, **change})
