"""Meetings: room ids, creating and joining by id or link, who may see what, the recent list, the
participant count and its maximum, and leaving."""

import re
from datetime import timedelta

import pytest

from socialapp.models.meetings import Meeting, MeetingParticipant
from socialapp.services import meetings
from socialapp.services.errors import InvalidInput
from socialapp.services.meetings import MeetingFull

ROOM_ID = re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")


def test_room_ids_are_three_groups_of_four_from_31_unambiguous_symbols():
    ids = {meetings.new_room_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(ROOM_ID.match(room_id) for room_id in ids)
    used = set("".join(ids).replace("-", ""))
    assert used == set(meetings.ALPHABET)
    assert not used & set("01ilo")
    assert len(meetings.ALPHABET) ** 12 > 2**59  # guessing is hopeless


def test_room_ids_use_the_secure_random_source(monkeypatch):
    picks = []
    monkeypatch.setattr(meetings.secrets, "choice", lambda seq: picks.append(seq) or seq[0])
    assert meetings.new_room_id() == "aaaa-aaaa-aaaa"
    assert len(picks) == 12


@pytest.mark.parametrize(
    "pasted",
    [
        "abcd-efgh-jkmn",
        "  ABCD-EFGH-JKMN ",
        "abcdefghjkmn",
        "abcd efgh jkmn",
        "https://social.example/meetings/abcd-efgh-jkmn",
        "https://social.example/meetings/abcd-efgh-jkmn/?utm=x",
        "social.example/meetings/abcd-efgh-jkmn",
    ],
)
def test_a_pasted_id_or_link_gives_the_room_id(pasted):
    assert meetings.parse_room_id(pasted) == "abcd-efgh-jkmn"


@pytest.mark.parametrize("pasted", ["", "abcd-efgh", "abcd-efgh-jkmn-pqrs", "abcd-efgh-jkm0", "<script>", None])
def test_anything_else_is_not_a_room_id(pasted):
    assert meetings.parse_room_id(pasted) is None


def test_meetings_need_a_logged_in_user(client):
    for path in ("/meetings/", "/meetings/join?room=abcd-efgh-jkmn", "/meetings/abcd-efgh-jkmn"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.post("/meetings/", data={"title": "x"}).status_code == 302


def test_creating_a_meeting_opens_its_room_with_a_shareable_link(app, client, make_user, login):
    ada = make_user("ada")
    login(ada)
    response = client.post("/meetings/", data={"title": "  Design   review "})
    assert response.status_code == 303
    room_id = response.headers["Location"].rsplit("/", 1)[1]
    assert ROOM_ID.match(room_id)
    meeting = meetings.find_meeting(room_id)
    assert meeting.title == "Design review" and meeting.host_id == ada.id
    page = client.get(f"/meetings/{room_id}").get_data(as_text=True)
    assert "Design review" in page
    assert f'value="http://localhost/meetings/{room_id}"' in page
    assert "Join meeting" in page and "This meeting is full" in page  # present, hidden until needed
    assert 'id="meeting-full" class="flash flash-error" role="alert" hidden' in page


@pytest.mark.parametrize("title", ["", "   ", "x" * 101])
def test_a_meeting_needs_a_title_and_the_form_keeps_what_was_typed(client, make_user, login, title):
    login(make_user("ada"))
    response = client.post("/meetings/", data={"title": title})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert ("Give the meeting a title" if not title.strip() else "at most 100 characters") in page
    assert f'value="{title}"' in page
    assert Meeting.query.count() == 0


def test_titles_are_escaped(client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "<img src=x onerror=alert(1)>")
    for path in ("/meetings/", f"/meetings/{meeting.room_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in page and "&lt;img src=x" in page


def test_joining_by_pasted_id_or_link_goes_to_the_room(client, make_user, login):
    ada = make_user("ada")
    meeting = meetings.create_meeting(ada.id, "Standup")
    login(make_user("bob"))
    for pasted in (meeting.room_id.upper(), f"https://elsewhere.example/meetings/{meeting.room_id}"):
        response = client.get("/meetings/join", query_string={"room": pasted})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/meetings/{meeting.room_id}")


def test_joining_a_malformed_or_unknown_id_says_so_and_keeps_it(client, make_user, login):
    login(make_user("bob"))
    bad = client.get("/meetings/join", query_string={"room": "not a room"})
    assert bad.status_code == 422
    assert "Paste a meeting ID" in bad.get_data(as_text=True)
    assert 'value="not a room"' in bad.get_data(as_text=True)
    unknown = client.get("/meetings/join", query_string={"room": "abcd-efgh-jkmn"})
    assert unknown.status_code == 404
    assert "No meeting has that ID" in unknown.get_data(as_text=True)


def test_an_unknown_room_is_404(client, make_user, login):
    login(make_user("bob"))
    assert client.get("/meetings/abcd-efgh-jkmn").status_code == 404
    assert client.get("/meetings/whatever").status_code == 404


def test_a_room_id_typed_differently_redirects_to_its_canonical_link(client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "Standup")
    response = client.get(f"/meetings/{meeting.room_id.replace('-', '').upper()}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/meetings/{meeting.room_id}")


def test_recent_meetings_lists_those_i_created_or_joined_newest_first(client, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    mine = meetings.create_meeting(ada.id, "Mine")
    theirs = meetings.create_meeting(bob.id, "Theirs, joined")
    meetings.create_meeting(bob.id, "Theirs, never joined")
    meetings.join(theirs.id, ada.id, f"{ada.id}.tab", max_participants=6)
    assert [m.title for m in meetings.recent_meetings(ada.id)] == ["Theirs, joined", "Mine"]
    login(ada)
    page = client.get("/meetings/").get_data(as_text=True)
    assert page.index("Theirs, joined") < page.index("Mine")
    assert "never joined" not in page
    assert mine.room_id in page


def test_the_maximum_is_enforced_and_a_full_room_says_so(db, client, make_user, login):
    host = make_user("host")
    meeting = meetings.create_meeting(host.id, "Small")
    people = [make_user(f"p{n}") for n in range(3)]
    for n, person in enumerate(people[:2]):
        meetings.join(meeting.id, person.id, f"{person.id}.tab{n}", max_participants=2)
    with pytest.raises(MeetingFull) as full:
        meetings.join(meeting.id, people[2].id, f"{people[2].id}.tab", max_participants=2)
    assert full.value.message == "This meeting is full."
    assert db.session.get(Meeting, meeting.id).participant_count == 2
    assert MeetingParticipant.query.filter_by(meeting_id=meeting.id).count() == 2

    client.application.config["MEETING_MAX_PARTICIPANTS"] = 2
    login(people[2])
    page = client.get(f"/meetings/{meeting.room_id}").get_data(as_text=True)
    assert 'role="alert">' in page and "This meeting is full" in page
    assert 'id="meeting-full" class="flash flash-error" role="alert" hidden' not in page

    meetings.leave(f"{people[0].id}.tab0")  # someone leaves: there is room again
    meetings.join(meeting.id, people[2].id, f"{people[2].id}.tab", max_participants=2)
    assert db.session.get(Meeting, meeting.id).participant_count == 2


def test_leaving_twice_counts_once_and_joining_twice_from_one_tab_counts_once(db, make_user):
    ada = make_user("ada")
    meeting = meetings.create_meeting(ada.id, "Once")
    first = meetings.join(meeting.id, ada.id, f"{ada.id}.a", max_participants=6)
    again = meetings.join(meeting.id, ada.id, f"{ada.id}.a", max_participants=6)
    assert again.id == first.id
    assert db.session.get(Meeting, meeting.id).participant_count == 1
    assert meetings.leave(f"{ada.id}.a") is not None
    assert meetings.leave(f"{ada.id}.a") is None
    assert db.session.get(Meeting, meeting.id).participant_count == 0


@pytest.mark.parametrize("direction", ["host blocks guest", "guest blocks host"])
def test_a_room_hosted_by_someone_in_a_block_does_not_exist_for_the_other(client, make_user, login, direction):
    from socialapp.services import social

    ada, bob = make_user("ada"), make_user("bob")
    meeting = meetings.create_meeting(ada.id, "Private")
    meetings.join(meeting.id, bob.id, f"{bob.id}.tab", max_participants=6)
    meetings.leave(f"{bob.id}.tab")
    social.block(*((ada, bob) if direction == "host blocks guest" else (bob, ada)))
    assert meetings.find_meeting(meeting.room_id, bob.id) is None
    assert meetings.recent_meetings(bob.id) == []
    login(bob)
    assert client.get(f"/meetings/{meeting.room_id}").status_code == 404
    assert client.get("/meetings/join", query_string={"room": meeting.room_id}).status_code == 404
    assert "Private" not in client.get("/meetings/").get_data(as_text=True)
    login(ada)
    assert client.get(f"/meetings/{meeting.room_id}").status_code == 200


def test_people_in_a_block_are_not_shown_or_connected_to_each_other_in_a_room(make_user):
    from socialapp.services import social

    host, ada, bob = make_user("host"), make_user("ada"), make_user("bob")
    meeting = meetings.create_meeting(host.id, "Town hall")
    for user, socket in ((host, "h"), (ada, "a"), (bob, "b")):
        meetings.join(meeting.id, user.id, socket, max_participants=6)
    social.block(ada, bob)
    assert [p.socket_id for p, _ in meetings.active_participants(meeting.id, bob.id)] == ["h", "b"]
    assert [p.socket_id for p, _ in meetings.active_participants(meeting.id, ada.id)] == ["h", "a"]
    assert [p.socket_id for p, _ in meetings.active_participants(meeting.id)] == ["h", "a", "b"]
    assert not meetings.may_signal("a", "b") and not meetings.may_signal("b", "a")
    assert meetings.may_signal("a", "h") and meetings.may_signal("h", "b")


def test_someone_present_in_a_block_either_way_is_found_and_gone_once_they_leave(make_user):
    from socialapp.services import social

    host, ada, bob, cyd = (make_user(name) for name in ("host", "ada", "bob", "cyd"))
    meeting = meetings.create_meeting(host.id, "Town hall")
    meetings.join(meeting.id, ada.id, "a", max_participants=6)
    meetings.join(meeting.id, ada.id, "a2", max_participants=6)  # her own second tab is no block
    assert not meetings.in_block_with_someone_present(meeting.id, ada.id)
    social.block(bob, ada)
    assert meetings.in_block_with_someone_present(meeting.id, bob.id)
    social.block(ada, cyd)
    assert meetings.in_block_with_someone_present(meeting.id, cyd.id)
    assert not meetings.in_block_with_someone_present(meeting.id, host.id)
    meetings.leave("a")
    meetings.leave("a2")
    assert not meetings.in_block_with_someone_present(meeting.id, bob.id)


def test_tabs_whose_heartbeat_stopped_are_swept_out(db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    meeting = meetings.create_meeting(ada.id, "Sweep")
    gone = meetings.join(meeting.id, ada.id, f"{ada.id}.a", max_participants=6)
    here = meetings.join(meeting.id, bob.id, f"{bob.id}.b", max_participants=6)
    gone.seen_at = gone.seen_at - meetings.STALE_AFTER - timedelta(seconds=1)
    db.session.commit()
    meetings.heartbeat(here.socket_id)
    swept = meetings.sweep_stale(meeting.id)
    assert [p.socket_id for p in swept] == [gone.socket_id]
    assert [p.socket_id for p, _ in meetings.active_participants(meeting.id)] == [here.socket_id]
    assert db.session.get(Meeting, meeting.id).participant_count == 1


def test_signals_pass_only_between_tabs_of_the_same_meeting(make_user):
    ada, bob, cyd = make_user("ada"), make_user("bob"), make_user("cyd")
    one = meetings.create_meeting(ada.id, "One")
    other = meetings.create_meeting(cyd.id, "Other")
    meetings.join(one.id, ada.id, "a", max_participants=6)
    meetings.join(one.id, bob.id, "b", max_participants=6)
    meetings.join(other.id, cyd.id, "c", max_participants=6)
    assert meetings.may_signal("a", "b")
    assert not meetings.may_signal("a", "c")
    assert not meetings.may_signal("a", "a")
    meetings.leave("b")
    assert not meetings.may_signal("a", "b")


def test_deleting_an_account_takes_it_out_of_the_meetings_it_is_in(db, make_user):
    from socialapp.services.accounts import delete_account
    from tests.support.factories import PASSWORD

    ada, bob = make_user("ada"), make_user("bob")
    meeting = meetings.create_meeting(ada.id, "Counts")
    meetings.join(meeting.id, bob.id, "b", max_participants=6)
    delete_account(bob, PASSWORD)
    assert db.session.get(Meeting, meeting.id).participant_count == 0
    assert MeetingParticipant.query.count() == 0


def test_a_title_that_is_too_long_is_refused_by_the_service(make_user):
    with pytest.raises(InvalidInput):
        meetings.create_meeting(make_user("ada").id, "x" * 101)


def test_people_joining_at_the_same_moment_never_exceed_the_maximum(app, db, make_user):
    import threading

    host = make_user("host")
    meeting_id = meetings.create_meeting(host.id, "Rush").id
    people = [make_user(f"r{n}").id for n in range(10)]
    db.session.remove()
    outcomes, start = [], threading.Barrier(len(people))

    def try_join(user_id):
        with app.app_context():
            start.wait()
            try:
                meetings.join(meeting_id, user_id, f"{user_id}.t", max_participants=6)
                outcomes.append("in")
            except MeetingFull:
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=try_join, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["full"] * 4 + ["in"] * 6
    assert db.session.get(Meeting, meeting_id).participant_count == 6
    assert MeetingParticipant.query.filter_by(meeting_id=meeting_id, left_at=None).count() == 6
