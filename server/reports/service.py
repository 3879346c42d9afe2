"""The report of a period for this site's runtime: the store's events, the officers' names,
the site's rating levels, and today's date for the document."""
import datetime

from .document import build_document, officer_names


def document_for(runtime, period):
    site = runtime.site
    made_on = datetime.date.fromisoformat(runtime.today())
    return build_document(runtime.store, site, period, made_on,
                          officer_names(runtime.store, site.id), rating_levels=site.ratings.levels)
