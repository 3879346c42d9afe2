"""Pieces of site files (TOML) the tests write for sites of their own."""

# [opening_hours] open all day every day: a booking site whose slots exist whenever a test runs.
ALL_DAY = "\n".join(f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                       "sun"))


def one_counter_booking_site(site_id, name):
    """A site taking bookings with one service (CCCD, letters A) at one counter, open all day."""
    return f'''
[site]
id = "{site_id}"
name = "{name}"

[[services]]
code = "CCCD"
letter = "A"
name_vi = "Cấp CCCD"
name_en = "ID card"

[[counters]]
number = 1
services = ["CCCD"]

[opening_hours]
{ALL_DAY}

[booking]
enabled = true
'''
