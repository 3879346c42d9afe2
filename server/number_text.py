"""Numbers as Vietnamese write them: a decimal comma ("2,5"), as dd/mm/yyyy is for days.

Officers read the desk pages' figures in Vietnamese; "2.5" reads as two thousand five hundred
to many of them (the dot groups thousands in Vietnamese). Spreadsheets and the API keep real
numbers; only what a page or a printout shows goes through here.
"""


def decimal(value, places=1):
    """`value` with `places` decimals and a decimal comma; None as "–"."""
    if value is None:
        return "–"
    return f"{value:.{places}f}".replace(".", ",")


def install(app):
    app.add_template_filter(decimal, "decimal_vi")
