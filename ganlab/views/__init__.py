"""What a learner sees: plots, interactive widgets, and the callbacks that measure and show a GAN as it trains."""
