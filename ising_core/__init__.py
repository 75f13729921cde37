"""Monte Carlo sampling, synthetic training data and neural networks for the phases of the site-diluted Ising model."""

__version__ = "0.1.0"
