"""Police-recorded crime from data.police.uk: the import, and the area around a venue."""
