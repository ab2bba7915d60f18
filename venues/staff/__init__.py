"""A venue's people: staff, door supervisors and the DPS, their training and certificates."""
