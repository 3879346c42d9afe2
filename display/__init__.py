"""The wall display: its page and its announcements (chime, Vietnamese voice).

The announcement audio is made on the server, offline: see :mod:`display.announce`.
"""
