"""Experiments the notebooks run: sweeps, scarce labels, collapse, probes of the 1-D game, the Dirac-GAN, fake
detection, rejection sampling and the named training recipes. They use the layers below (data, models, losses,
training, metrics) and draw nothing: pictures are ``ganlab.views``'s job."""
