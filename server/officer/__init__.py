"""Officer pages of the site server: the counter tablet (`/counter`)."""
