"""Benchmarks, at the top of the house beside the composition root: each builds what it measures
from every layer, so none of the layers has to import another to be measured."""
