"""Appointments at the site (issue 13; docs/appointments.md): the bookings the hub sends
(`fetch`, run by `qms sync`), kept in the site's store (`kept`), checked in at the kiosk
(`checkin`), and citizens told when their turn nears (`notify`)."""
