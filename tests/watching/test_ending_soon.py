"""ending_soon: ENDING_SOON_MINUTES before the deadline, one notice to each watcher and each
provider with an active bid who is not leading; once per auction, user and deadline window."""

from __future__ import annotations

from datetime import timedelta

from helpers import NS, fresh
from watching_helpers import ending_soon_count, told

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Notification
from bidbazaar.services.watching import send_ending_soon_for


def into_window(time_machine, auction, minutes: float = 10) -> None:
    time_machine.move_to(fresh(Auction, auction.id).deadline - timedelta(minutes=minutes), tick=False)


def test_watchers_and_outbid_bidders_are_told_and_the_leader_is_not(
    provider, rival, make_user, auction, make_bid, time_machine
):
    watcher = make_user("dev")
    services.watch_auction(watcher, auction.id)
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)  # rival leads, provider is outbid
    into_window(time_machine, auction)
    assert services.send_ending_soon() == 2
    assert told(auction.id) == sorted([watcher.id, provider.id])


def test_the_notice_says_when_and_the_lowest(provider, rival, auction, make_bid, time_machine):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    into_window(time_machine, auction, minutes=10)
    services.send_ending_soon()
    note = Notification.query.filter_by(type="ending_soon").one()
    assert note.message == '"Fix kitchen sink leak" closes in about 10 minutes. The lowest bid is ₹1,400.'
    assert note.data["lowest_bid"] == 1400
    assert note.auction_id == auction.id


def test_a_watcher_who_is_also_outbid_gets_one_notice(provider, rival, auction, make_bid, time_machine):
    services.watch_auction(provider, auction.id)
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    into_window(time_machine, auction)
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 1


def test_the_leader_is_not_told_even_when_watching(provider, auction, make_bid, time_machine):
    services.watch_auction(provider, auction.id)
    make_bid(provider, auction, 1500)
    into_window(time_machine, auction)
    services.send_ending_soon()
    assert ending_soon_count() == 0


def test_a_withdrawn_bidder_is_not_told(provider, rival, auction, make_bid, time_machine):
    make_bid(rival, auction, 1600)
    bid = make_bid(provider, auction, 1500)
    services.withdraw_bid(provider, auction.id, bid.id)
    into_window(time_machine, auction)
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 0


def test_nothing_is_sent_before_the_window(provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction, minutes=16)
    assert services.send_ending_soon() == 0
    assert fresh(Auction, auction.id).ending_soon_sent_at is None


def test_a_second_sweep_sends_nothing_more(provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction, minutes=10)
    services.send_ending_soon()
    into_window(time_machine, auction, minutes=2)
    assert services.send_ending_soon() == 0
    assert ending_soon_count(provider.id) == 1


def test_an_auction_with_nobody_to_tell_is_still_claimed_once(auction, time_machine):
    into_window(time_machine, auction)
    assert services.send_ending_soon() == 0
    assert fresh(Auction, auction.id).ending_soon_sent_at is not None


def test_a_later_deadline_from_the_creator_opens_a_new_window(customer, provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction)
    services.send_ending_soon()
    later = fresh(Auction, auction.id).deadline + timedelta(hours=2)
    services.update_auction(customer, auction.id, {"deadline": later})
    assert fresh(Auction, auction.id).ending_soon_sent_at is None
    services.send_ending_soon()  # not in the new window yet
    assert ending_soon_count(provider.id) == 1
    into_window(time_machine, auction)
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 2


def test_a_later_deadline_still_inside_the_window_is_not_sent_again(customer, provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction, minutes=5)
    services.send_ending_soon()
    later = fresh(Auction, auction.id).deadline + timedelta(minutes=5)  # 10 minutes away: still inside
    services.update_auction(customer, auction.id, {"deadline": later})
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 1


def test_anti_sniping_out_of_the_window_and_back_sends_again(app, provider, rival, auction, make_bid, time_machine):
    # A one-minute window and a two-minute anti-sniping extension: a late bid moves the
    # deadline back out of the window.
    app.config["ENDING_SOON_MINUTES"] = 1
    app.config["SNIPE_WINDOW_SECONDS"] = 120
    make_bid(provider, auction, 1500)
    into_window(time_machine, auction, minutes=0.5)
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 0  # leading
    make_bid(rival, auction, 1400)  # extends to now + 2 minutes: out of the window
    assert fresh(Auction, auction.id).ending_soon_sent_at is None
    into_window(time_machine, auction, minutes=0.5)
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 1
    assert ending_soon_count(rival.id) == 0


def test_a_late_bid_inside_the_window_keeps_the_window_sent(provider, rival, auction, make_bid, time_machine):
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction, minutes=1)
    services.send_ending_soon()
    make_bid(rival, auction, 1400)  # anti-sniping: now + 2 minutes, still within 15
    services.send_ending_soon()
    assert ending_soon_count(provider.id) == 1


def test_zero_minutes_turns_it_off(app, provider, auction, time_machine):
    app.config["ENDING_SOON_MINUTES"] = 0
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction, minutes=1)
    assert services.send_ending_soon() == 0
    assert send_ending_soon_for(auction.id) == 0
    assert fresh(Auction, auction.id).ending_soon_sent_at is None


def test_a_closed_auction_is_never_told(customer, provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    services.cancel_auction(customer, auction.id)
    into_window(time_machine, auction)
    assert services.send_ending_soon() == 0
    assert send_ending_soon_for(auction.id) == 0


def test_the_cli_command_sends_once(runner, provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    into_window(time_machine, auction)
    assert runner.invoke(args=["send-ending-soon"]).output == "ending_soon notices sent: 1.\n"
    assert runner.invoke(args=["send-ending-soon"]).output == "ending_soon notices sent: 0.\n"


def test_a_deactivated_watcher_is_not_told(provider, make_user, auction, time_machine):
    gone = make_user("gone")
    services.watch_auction(gone, auction.id)
    services.watch_auction(provider, auction.id)
    gone.is_active = False
    db.session.commit()
    into_window(time_machine, auction)
    services.send_ending_soon()
    assert told(auction.id) == [provider.id]


def test_the_notice_reaches_the_watchers_socket_live(socket_client, provider, auction, time_machine):
    services.watch_auction(provider, auction.id)
    sock = socket_client(provider)
    sock.get_received(NS)
    into_window(time_machine, auction)
    services.send_ending_soon()
    frames = [f for f in sock.get_received(NS) if f["name"] == "notification"]
    assert [f["args"][0]["type"] for f in frames] == ["ending_soon"]
