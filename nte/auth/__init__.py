"""Who is asking, and may they: passwords, sessions, tokens, CSRF, throttling, guards."""
