"""The record of a venue: premises licence, conditions, and the imports that feed them."""
