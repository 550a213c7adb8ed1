"""The training layer: every GAN kind on one training step (``core.Game``), and what ``fit`` needs around it.

=====================  ==========================================================  ========
kind                   what it says beyond the core step                           notebook
=====================  ==========================================================  ========
``GAN``                the binary cross-entropy game, R1, k D steps                01, 02
``WGAN``               the critic's loss, gradient penalty or clipping             03
``UnrolledGAN``        G scored by D several simulated updates ahead               04
``ConditionalGAN``     labels fed to G and D                                       06
``SemiSupervisedGAN``  a K+1-class D, feature matching                             06
``Pix2Pix``            (condition, target) pairs, patch logits, an L1 term         08
``CycleGAN``           two of each network, cycle and identity losses              09
=====================  ==========================================================  ========
"""
from ganlab.training.callbacks import EpochClock, StopOnNaN, TrainingDiverged
from ganlab.training.conditional_gan import ConditionalGAN
from ganlab.training.core import Game, default_optimizer
from ganlab.training.cyclegan import CycleGAN
from ganlab.training.gan import GAN
from ganlab.training.pix2pix import Pix2Pix
from ganlab.training.semi_supervised import SemiSupervisedGAN
from ganlab.training.state import CheckpointError, load_generator
from ganlab.training.unrolled import UnrolledGAN
from ganlab.training.wgan import WGAN, train_critic

__all__ = ["CheckpointError", "ConditionalGAN", "CycleGAN", "EpochClock", "GAN", "Game", "Pix2Pix",
           "SemiSupervisedGAN", "StopOnNaN", "TrainingDiverged", "UnrolledGAN", "WGAN", "default_optimizer",
           "load_generator", "train_critic"]
from ganlab.training.diffusion import Diffusion, ddim_step, ddim_timesteps, ddpm_step, predicted_image
from ganlab.training.trainer import Trainer
from ganlab.training.vae import VAE

__all__ += ["Diffusion", "Trainer", "VAE", "ddim_step", "ddim_timesteps", "ddpm_step", "predicted_image"]
