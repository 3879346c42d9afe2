"""The kiosk: the citizen's touch page (`pages`, served by the site server at /kiosk) and the
kiosk print agent (`agent`, run on the kiosk PC next to its printer: `qms kiosk-agent`)."""
