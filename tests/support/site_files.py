"""Pieces of site files (TOML) the tests write for sites of their own."""

# [opening_hours] open all day every day: a booking site whose slots exist whenever a test runs.
ALL_DAY = "\n".join(f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                       "sun"))
