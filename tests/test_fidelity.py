"""ganlab.metrics.fidelity and .classifier: the Fréchet distance by hand (against the former sqrtm formula,
with refused non-covariances, and its 1/n bias) and on MNIST, the classifier score, the KID and precision/recall
wrappers on images, the shipped classifiers and their checksums."""
import json
import shutil

import numpy as np
import pytest
from scipy import linalg

from ganlab import metrics
from ganlab.metrics import classifier as classifier_module
from ganlab.metrics import frechet_distance_from_stats

# -- the Fréchet distance between Gaussians, by hand --------------------------------------------------------


def random_covariance(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, 2 * d))
    return a @ a.T / (2 * d)


def sqrt_psd(matrix):
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def test_identical_statistics_are_at_distance_zero():
    mu, sigma = np.arange(5.0), random_covariance(5, 0)
    assert frechet_distance_from_stats(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("mu1, s1, mu2, s2", [(1.0, 2.0, -1.0, 0.5), (0.0, 1.0, 0.0, 3.0), (3.0, 1.0, 0.0, 1.0)])
def test_one_dimensional_gaussians(mu1, s1, mu2, s2):
    """For N(mu1, s1^2) and N(mu2, s2^2): (mu1 - mu2)^2 + (s1 - s2)^2; scalars are accepted."""
    expected = (mu1 - mu2) ** 2 + (s1 - s2) ** 2
    assert frechet_distance_from_stats(mu1, s1**2, mu2, s2**2) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance_from_stats([mu1], [[s1**2]], [mu2], [[s2**2]]) == pytest.approx(expected, rel=1e-9)


def test_diagonal_covariances():
    """Diagonal (commuting) covariances: ||mu1 - mu2||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2."""
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = 1 + 0 + 4 + (1 - 2) ** 2 + 0 + (3 - 1) ** 2
    assert frechet_distance_from_stats(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-9)
    # a rotation of both Gaussians leaves the distance alone
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    rotated = frechet_distance_from_stats(q @ mu1, q @ np.diag(a) @ q.T, q @ mu2, q @ np.diag(b) @ q.T)
    assert rotated == pytest.approx(expected, rel=1e-7)


def test_general_covariances_match_the_symmetric_formula():
    """Tr sqrt(S1 S2) = Tr sqrt(S1^1/2 S2 S1^1/2), computed here with eigh only; the distance is symmetric."""
    s1, s2 = random_covariance(6, 1), random_covariance(6, 2)
    mu1, mu2 = np.zeros(6), np.full(6, 0.5)
    root = sqrt_psd(s1)
    expected = 6 * 0.25 + np.trace(s1) + np.trace(s2) - 2 * np.trace(sqrt_psd(root @ s2 @ root))
    assert frechet_distance_from_stats(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-7)
    assert frechet_distance_from_stats(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("sigma1, sigma2, expected", [
    (np.diag([1.0, 0.0]), np.diag([0.0, 1.0]), 2.0),       # the product is the zero matrix
    (np.zeros((3, 3)), np.zeros((3, 3)), 0.0),              # two point masses at the same place
    (np.ones((2, 2)), np.ones((2, 2)), 0.0),                # rank one, identical
], ids=["disjoint-axes", "zero", "rank-one"])
def test_singular_covariances_give_finite_distances(sigma1, sigma2, expected):
    distance = frechet_distance_from_stats(np.zeros(len(sigma1)), sigma1, np.zeros(len(sigma1)), sigma2)
    assert np.isfinite(distance)
    assert distance == pytest.approx(expected, abs=1e-4)


def test_rank_deficient_sample_covariances():
    """Fewer samples than dimensions, as with a collapsed generator: finite, non-negative, zero with itself."""
    features = np.random.default_rng(0).normal(size=(5, 20))
    mu, sigma = features.mean(0), np.cov(features, rowvar=False)
    other = np.random.default_rng(1).normal(size=(5, 20))
    distance = frechet_distance_from_stats(mu, sigma, other.mean(0), np.cov(other, rowvar=False))
    assert np.isfinite(distance) and distance > 0
    assert frechet_distance_from_stats(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-4)


@pytest.mark.bad_input
def test_statistics_of_different_sizes():
    with pytest.raises(ValueError, match="statistics must have matching shapes"):
        frechet_distance_from_stats(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


def sqrtm_formula(mu1, sigma1, mu2, sigma2):
    """The previous implementation: Tr of scipy's sqrtm of the non-symmetric product, real part."""
    covmean = np.real(linalg.sqrtm(sigma1 @ sigma2))
    return np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


@pytest.mark.parametrize("d", [2, 8, 32])
def test_agrees_with_the_sqrtm_formula_on_well_conditioned_covariances(d):
    for seed in range(5):
        rng = np.random.default_rng(seed)
        s1, s2 = random_covariance(d, 10 + seed), random_covariance(d, 20 + seed)
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        expected = sqrtm_formula(mu1, s1, mu2, s2)
        assert frechet_distance_from_stats(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_rounding_below_zero_is_clipped():
    """A covariance with eigenvalues -1e-12 (rounding) is accepted and treated as having 0 there."""
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))
    rounded, clean = q @ np.diag([2.0, 1.0, 0.5, -1e-12]) @ q.T, q @ np.diag([2.0, 1.0, 0.5, 0.0]) @ q.T
    mu = np.zeros(4)
    assert frechet_distance_from_stats(mu, rounded, mu, np.eye(4)) == pytest.approx(
        frechet_distance_from_stats(mu, clean, mu, np.eye(4)), rel=1e-6)  # the clean 0 is +-1e-16: sqrt 1e-8
    assert frechet_distance_from_stats(mu, rounded, mu, rounded) == pytest.approx(0.0, abs=1e-9)


BAD_STATISTICS = [
    ("not-psd", np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]),
     r"sigma1 is not positive semi-definite \(eigenvalue -1, largest 3\).*more samples than feature dimensions"),
    ("not-symmetric", np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), "sigma1 is not symmetric"),
    ("nan-covariance", np.zeros(2), np.array([[1.0, np.nan], [np.nan, 1.0]]), "sigma1 holds NaN"),
    ("nan-mean", np.array([0.0, np.inf]), np.eye(2), "mu1 or mu2 holds NaN or infinite"),
    ("mean-as-matrix", np.zeros((2, 2)), np.eye(2), r"a mean \(d,\) and a covariance \(d, d\)"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize("mu, sigma, match", [case[1:] for case in BAD_STATISTICS],
                         ids=[case[0] for case in BAD_STATISTICS])
def test_statistics_that_are_not_a_gaussian_are_refused(mu, sigma, match):
    other_mu = np.zeros(mu.shape)
    with pytest.raises(ValueError, match=match):
        frechet_distance_from_stats(mu, sigma, other_mu, np.eye(2))


@pytest.mark.bad_input
def test_a_non_psd_second_covariance_is_named():
    with pytest.raises(ValueError, match="sigma2 is not positive semi-definite"):
        frechet_distance_from_stats(np.zeros(3), np.eye(3), np.zeros(3), np.diag([1.0, -0.5, 1.0]))


def test_frechet_distance_features_matches_the_statistics():
    a, b = np.random.default_rng(0).normal(size=(300, 5)), np.random.default_rng(1).normal(1.0, 2.0, (200, 5))
    expected = frechet_distance_from_stats(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
    assert metrics.frechet_distance_features(a, b) == pytest.approx(expected, rel=1e-12)


def test_the_distance_between_two_samples_of_one_gaussian_falls_like_one_over_n():
    """For N(0, I_d) the estimate is biased by about (2d + d(d+1)/2) / n: 2d/n from the means and, as
    Tr(S1 + S2 - 2 (S1 S2)^1/2) ~ ||S1 - S2||_F^2 / 4 near I, d(d+1)/(2n) from the covariances."""
    rng = np.random.default_rng(0)
    d, sizes = 16, (500, 2000, 10000)
    distances = metrics.frechet_distance_by_sample_size(rng.normal(size=(10000, d)), rng.normal(size=(10000, d)),
                                                        sizes)
    assert distances[500] > distances[2000] > distances[10000]
    for n in sizes:  # n * distance: 180, 175, 149 here
        assert n * distances[n] == pytest.approx(2 * d + d * (d + 1) / 2, rel=0.3)


BAD_FEATURES = [
    (np.zeros((10, 3)), np.zeros((10, 4)), "the same number of features.*features_a has 3, features_b has 4"),
    (np.zeros((1, 3)), np.zeros((10, 3)), "features_a must hold at least 2 samples, got 1"),
    (np.zeros(10), np.zeros((10, 3)), r"features_a must be a 2-D array.*image_features"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize("a, b, match", BAD_FEATURES, ids=["dimensions", "one-sample", "1-d"])
def test_frechet_distance_features_bad_input(a, b, match):
    with pytest.raises(ValueError, match=match):
        metrics.frechet_distance_features(a, b)


@pytest.mark.bad_input
def test_sample_sizes_larger_than_the_sets():
    features = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ValueError, match="sizes must be at most the smaller set's 100 samples, got 200"):
        metrics.frechet_distance_by_sample_size(features, features, sizes=(50, 200))


# -- on real images ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_images(mnist_path):
    from ganlab.data import load_images

    train, _ = load_images("mnist", "train", limit=2000)
    test, labels = load_images("mnist", "test")
    return {"train": train, "test": test[:2000], "threes": test[labels == 3][:1000]}


@pytest.fixture(scope="module")
def reference(mnist_images):
    """Statistics of 2,000 training digits, computed once for the module."""
    mu, sigma = metrics.image_statistics(mnist_images["train"])
    assert mu.shape == (128,) and sigma.shape == (128, 128)
    np.testing.assert_allclose(sigma, sigma.T)
    return mu, sigma


@pytest.fixture(scope="module")
def noise():
    return np.random.default_rng(0).uniform(-1, 1, (1000, 28, 28, 1)).astype(np.float32)


def test_train_and_test_digits_are_close(mnist_images, reference):
    assert metrics.frechet_distance(mnist_images["test"], reference) < 10


def test_reference_images_or_statistics_give_the_same_distance(mnist_images, reference):
    few = mnist_images["test"][:500]
    by_images = metrics.frechet_distance(few, mnist_images["train"])
    assert by_images == pytest.approx(metrics.frechet_distance(few, reference), rel=1e-6)


def test_noise_is_far_from_digits(noise, reference):
    assert metrics.frechet_distance(noise, reference) > 100


def test_one_image_repeated_is_far_from_digits(mnist_images, reference):
    """Mode collapse: the mean may be plausible, but the covariance is zero."""
    collapsed = np.repeat(mnist_images["test"][:1], 1000, axis=0)
    distance = metrics.frechet_distance(collapsed, reference)
    assert np.isfinite(distance) and distance > 100


def test_one_class_is_far_from_all_digits(mnist_images, reference):
    assert metrics.frechet_distance(mnist_images["threes"], reference) > 100


def test_kid_and_precision_recall_from_images(mnist_images):
    """Test digits against training digits, and threes against all digits: KID small against large;
    threes are faithful (high precision) but not diverse (low recall and coverage)."""
    train, test, threes = mnist_images["train"][:600], mnist_images["test"][:300], mnist_images["threes"][:300]
    same = metrics.image_kernel_inception_distance(test, train, subsets=5, subset_size=300)
    one_class = metrics.image_kernel_inception_distance(threes, train, subsets=5, subset_size=300)
    assert abs(same.mean) < 0.1 * one_class.mean
    result = metrics.image_precision_recall_density_coverage(train, threes)
    assert result.precision > 0.7 and result.recall < 0.3 and result.coverage < 0.3, str(result)
    assert metrics.image_features(threes[:10]).shape == (10, 128)


def test_classifier_score_of_real_digits_is_near_ten(mnist_images):
    score = metrics.classifier_score(mnist_images["test"][:1000])
    assert 9 < score <= 10


def test_classifier_score_of_one_class_is_near_one(mnist_images):
    assert 1 <= metrics.classifier_score(mnist_images["threes"]) < 2


def test_classifier_score_of_noise_is_low(noise):
    assert metrics.classifier_score(noise) < 2


def test_fashion_classifier_scores_fashion_images(fashion_available):
    from ganlab.data import load_images

    images, _ = load_images("fashion_mnist", "test", limit=500)
    assert metrics.classifier_score(images, dataset="fashion_mnist") > 6  # about 8 with the shipped weights


# -- the shipped classifiers ------------------------------------------------------------------------------

def test_manifest_records_accurate_classifiers():
    manifest = json.loads(classifier_module.MANIFEST.read_text())
    assert set(manifest) == set(classifier_module.DATASETS)
    assert manifest["mnist"]["test_accuracy"] >= 0.99
    assert manifest["fashion_mnist"]["test_accuracy"] >= 0.90
    for dataset, entry in manifest.items():
        path = classifier_module.weights_path(dataset)
        assert entry["file"] == path.name
        assert classifier_module._sha256(path) == entry["sha256"], f"{path.name} does not match the manifest"


def test_load_classifier_is_cached_and_has_128_features():
    model = classifier_module.load_classifier("mnist")
    assert classifier_module.load_classifier("mnist") is model
    assert model.get_layer("features").output.shape[-1] == 128
    assert model.output_shape == (None, 10)


@pytest.fixture
def assets_copy(tmp_path, monkeypatch):
    """A private copy of the assets folder, with the module pointed at it and its cache empty."""
    for dataset in classifier_module.DATASETS:
        shutil.copy(classifier_module.weights_path(dataset), tmp_path)
    shutil.copy(classifier_module.MANIFEST, tmp_path)
    monkeypatch.setattr(classifier_module, "ASSETS", tmp_path)
    monkeypatch.setattr(classifier_module, "MANIFEST", tmp_path / "classifiers.json")
    monkeypatch.setattr(classifier_module, "_CACHE", {})
    assert classifier_module.weights_path("mnist").parent == tmp_path
    return tmp_path


def test_the_copy_loads(assets_copy):
    assert classifier_module.load_classifier("mnist").name == "mnist_classifier"


@pytest.mark.bad_input
def test_a_corrupted_weights_file_is_refused(assets_copy):
    path = assets_copy / "mnist_classifier.weights.h5"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"mnist_classifier\.weights\.h5 does not match its sha256"):
        classifier_module.load_classifier("mnist")


@pytest.mark.bad_input
def test_a_missing_weights_file_names_the_train_command(assets_copy):
    (assets_copy / "fashion_mnist_classifier.weights.h5").unlink()
    with pytest.raises(FileNotFoundError, match=r"python -m ganlab\.metrics\.classifier fashion_mnist"):
        classifier_module.load_classifier("fashion_mnist")


@pytest.mark.bad_input
def test_a_dataset_missing_from_the_manifest_names_the_train_command(assets_copy):
    manifest = json.loads((assets_copy / "classifiers.json").read_text())
    del manifest["mnist"]
    (assets_copy / "classifiers.json").write_text(json.dumps(manifest))
    with pytest.raises(FileNotFoundError, match=r"python -m ganlab\.metrics\.classifier mnist"):
        classifier_module.load_classifier("mnist")


# -- bad input to the metrics ------------------------------------------------------------------------------

def _images(kind):
    rng = np.random.default_rng(0)
    if kind == "rgb-32":
        return rng.uniform(-1, 1, (4, 32, 32, 3)).astype(np.float32)
    if kind == "pixels-0-255":
        return rng.integers(0, 256, (4, 28, 28, 1)).astype(np.float32)
    if kind == "nan":
        images = rng.uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
        images[1, 5, 5, 0] = np.nan
        return images
    if kind == "one-image":
        return rng.uniform(-1, 1, (1, 28, 28, 1)).astype(np.float32)
    raise KeyError(kind)


BAD_IMAGES = [
    ("rgb-32", r"images must have shape \(n, 28, 28, 1\), got \(4, 32, 32, 3\)"),
    ("pixels-0-255", r"images must be scaled to \[-1, 1\].*to_unit_range"),
    ("nan", "images contain NaN or infinite values"),
    ("one-image", "images must hold at least 2 images"),
]


@pytest.mark.bad_input
@pytest.mark.parametrize("kind, match", BAD_IMAGES, ids=[kind for kind, _ in BAD_IMAGES])
@pytest.mark.parametrize("metric", ["classifier_score", "frechet_distance", "image_statistics"])
def test_metrics_bad_images(metric, kind, match):
    function = getattr(metrics, metric)
    args = (_images(kind), (np.zeros(128), np.eye(128))) if metric == "frechet_distance" else (_images(kind),)
    with pytest.raises(ValueError, match=match):
        function(*args)


@pytest.mark.bad_input
@pytest.mark.parametrize("metric", ["classifier_score", "image_statistics"])
def test_metrics_bad_dataset(metric):
    images = np.zeros((4, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match=r"dataset must be one of 'mnist', 'fashion_mnist'; got 'cifar'"):
        getattr(metrics, metric)(images, dataset="cifar")


@pytest.mark.bad_input
def test_load_classifier_bad_dataset():
    with pytest.raises(ValueError, match="dataset must be one of"):
        classifier_module.load_classifier("cifar")
