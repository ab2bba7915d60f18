"""nte: compliance tracker for the licensed venues of a night-time economy."""

__all__ = ["__version__"]

__version__ = "0.1.0"
