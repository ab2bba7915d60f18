"""Incidents at venues and in the street; sensitive details kept from those who may not see them."""
