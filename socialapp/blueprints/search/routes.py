"""Search: the results page with its People, Posts and Hashtags tabs, and the header's suggestions."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.services import search, social
from socialapp.web import is_htmx

bp = Blueprint("search", __name__)
# Each tab's page of results, which its "More results" link asks for.
PARTIALS = {"posts": "search/_posts_page.html", "people": "social/_people_page.html", "tags": "search/_tags_page.html"}


def default_tab(query):
    if query.startswith("@"):
        return "people"
    if query.startswith("#"):
        return "tags"
    return "posts"


def tab_context(tab, query, cursor):
    """What the tab's partial needs: its page of results and the URL of the next one."""
    if tab == "people":
        page = search.people_page(current_user, query, cursor)
        context = {"people": page.people, "following": page.following}
    elif tab == "tags":
        page = search.search_hashtags(current_user, query, cursor)
        context = {"tags": page.tags}
    else:
        page = search.search_posts(current_user, query, cursor)
        context = {"page": page, "terms": search.query_terms(query)}
    context["next_url"] = page.next_cursor and url_for("search.results", q=query, tab=tab, cursor=page.next_cursor)
    return context


@bp.get("/search")
@login_required
def results():
    query = search.clean_query(request.args.get("q"))
    tab = request.args.get("tab")
    if tab is None:
        # A fresh search from the box: "#tag" and "@name" go straight there.
        target = search.jump_target(current_user, query)
        if target and target[0] == "tag":
            return redirect(url_for("posts.tag", tag=target[1]))
        if target:
            return redirect(url_for("profiles.show", username=target[1].username))
    tab = tab if tab in search.TABS else default_tab(query)
    # Without a query the page is where people are found: it suggests some to follow.
    context = (
        tab_context(tab, query, request.args.get("cursor"))
        if query
        else {"suggested": social.suggestions_box(current_user, 5)}
    )
    if is_htmx() and query:
        return render_template(PARTIALS[tab], query=query, **context)
    return render_template("search/results.html", query=query, search_query=query, tab=tab, tabs=search.TABS, **context)


@bp.get("/search/suggestions")
@login_required
def suggestions():
    query = search.clean_query(request.args.get("q"))
    found = search.suggestions(current_user, query) if query else None
    return render_template("search/_suggestions.html", query=query, found=found)
