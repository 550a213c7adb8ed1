"""Datasets: toy mixtures with known modes, and MNIST / Fashion-MNIST in [-1, 1]."""
from ganlab.data.images import (FASHION_CLASSES, DataNotFoundError, fashion_mnist, find_file, image_dataset,
                                load_fashion_mnist, load_images, load_mnist, mnist, search_dirs, stacked_mnist,
                                to_unit_range)
from ganlab.data.pipeline import EpochPipeline, array_dataset, set_epoch
from ganlab.data.toy import GaussianMixture, grid, mixture_1d, ring

__all__ = [
    "FASHION_CLASSES", "DataNotFoundError", "EpochPipeline", "GaussianMixture", "array_dataset", "fashion_mnist",
    "find_file", "grid", "image_dataset", "load_fashion_mnist", "load_images", "load_mnist", "mixture_1d", "mnist",
    "ring", "search_dirs", "set_epoch", "stacked_mnist", "to_unit_range",
]
from ganlab.data.paired import TASKS, downsample, hole_masks, make_pairs, paired, paired_arrays, upsample

__all__ += ["TASKS", "downsample", "hole_masks", "make_pairs", "paired", "paired_arrays", "upsample"]
from ganlab.data.labelled import labelled_dataset, labels_per_class, scarce_labels, semi_supervised_dataset

__all__ += ["labelled_dataset", "labels_per_class", "scarce_labels", "semi_supervised_dataset"]
from ganlab.data.unpaired import (STYLES, marker, outline, partner_share, stylise, unpaired, unpaired_arrays,
                                  unpaired_dataset)

__all__ += ["STYLES", "marker", "outline", "partner_share", "stylise", "unpaired", "unpaired_arrays",
            "unpaired_dataset"]
