"""Incidents at venues and in the street, with sensitive details kept from those who may not see them."""
