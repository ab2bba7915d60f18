"""Ask for Angela: a venue's participation, the police's test visits, and how ready it is."""
