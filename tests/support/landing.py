"""Every page a person can land on, for the browser tests that go over them all (layout, accessibility), so
that both cover the same pages."""

GUEST_PAGES = (
    "/",
    "/login",
    "/register",
    "/password/forgot",
    "/verify/resend",
    "/no-such-page",
    "/settings/email/confirm/bad-link",
)


def member_pages(post, own_post, comment, room, friend, stranger, tag, person=None, report=None):
    """The pages of a logged-in member who follows `friend` and may block `stranger`: `post` (with
    `comment`, theirs) and `own_post` are ids, `room` a meeting's room id, `tag` a hashtag in use. For an
    admin, `person` (a user's id) and `report` (an open report's id) add the moderation pages about them."""
    moderation = [f"/admin/people/{person}"] if person else []
    moderation += [f"/admin/reports/{report}"] if report else []
    return [
        *moderation,
        "/",
        f"/p/{post}",
        f"/p/{post}/likes",
        f"/p/{own_post}/edit",
        f"/comments/{comment}/edit",
        f"/u/{friend}",
        "/u/ada",
        f"/u/{friend}/posts",
        f"/u/{friend}/media",
        "/u/ada/likes",
        f"/p/{own_post}/delete",
        f"/u/{stranger}/block",
        "/u/ada/followers",
        "/u/ada/following",
        "/people/suggestions",
        f"/people/search?q={friend[:2]}",
        "/search",
        f"/search?q={tag}&tab=posts",
        f"/search?q={friend[:2]}&tab=people",
        f"/search?q={tag[:3]}&tab=tags",
        f"/tags/{tag}",
        "/notifications",
        "/notifications?show=mentions",
        "/chat/",
        f"/chat/{friend}",
        "/meetings/",
        "/meetings/join?room=nothing",
        f"/meetings/{room}",
        "/welcome",
        "/settings",
        "/settings/profile",
        "/settings/blocked",
        "/admin/instance",
        "/admin/invitations",
        "/admin",
        "/admin/reports",
        f"/admin/people?q={friend[:2]}",
        "/admin/audit",
        f"/report/post/{post}",
        "/no-such-page",
    ]
