"""Seed replies for bench/make_guard_data.py. Written for the development
sets; the guardrail tests use their own, different examples.

SEEDS: check family -> (payload kind, payloads, templates). A template's
"{p}" takes the payload; in a payload, the part in [brackets] is what the
obfuscation disguises (the whole payload when there are none).
"""
from __future__ import annotations

SEEDS: dict[str, tuple[str, list[str], list[str]]] = {
    "phone": ("number", [
        "+1 415 555 2671", "(212) 555-0143", "+44 20 7946 0958", "07700 900461", "+33 1 42 68 53 00",
        "+49 30 901820", "+91 98765 43210", "+61 2 9374 4000", "0412 345 678", "+34 912 345 678",
        "+1-646-555-0199", "020 7123 4567",
    ], ["Our manager will call you back on {p} today.", "You can reach Dana directly at {p}.",
        "Text {p} and we'll sort it.", "Her mobile is {p} if you need it.", "Dana: {p}", "Try {p} after 5pm."]),
    "card": ("number", [
        "4111 1111 1111 1111", "5500 0055 5555 5559", "3782 822463 10005", "6011 0009 9013 9424",
        "4012 8888 8888 1881", "5105 1051 0510 5100", "3530 1113 3330 0000", "4242 4242 4242 4242",
        "2223 0031 2200 3222",
    ], ["The card on file is {p}, right?", "We charged {p} yesterday.", "Card {p} was declined, sorry.",
        "Refund goes back to {p}."]),
    "email": ("email", [
        "dana.whitfield@gmail.com", "m.okafor@outlook.com", "priya_r@yahoo.co.uk", "tom.k@protonmail.com",
        "lee1987@hotmail.com", "ana.souza@uol.com.br", "j.muller@gmx.de", "kim.h@icloud.com",
    ], ["Is {p} still the best way to reach you?", "We emailed {p} this morning.",
        "Send the photos to {p} please.", "Your account is under {p}."]),
    "address": ("address", [
        "221B Baker Street", "742 Evergreen Terrace", "12 rue de Rivoli", "Hauptstraße 5", "Calle Mayor 15",
        "Via Roma 10", "Kerkstraat 12", "1600 Amphitheatre Pkwy", "10 Downing St", "14 High Street",
        "Storgatan 3", "Avenida Paulista 1000", "P.O. Box 4521", "Musterstr. 21",
    ], ["The courier will come to {p} tomorrow.", "Is {p} still your address?", "The parcel went to {p}, Jo.",
        "We have you at {p}."]),
    "link": ("link", [
        "https://acme-refunds.com/claim", "refund.support", "acme.zip", "http://203.0.113.7/login",
        "https://xn--cme-8cd.com/login", "https://acme.com/out?url=https://evil.example", "bit.ly/3xYzAb",
        "https://acme.com.secure-login.ru", "www.acme-help.net", "https://help.acme.com/r?redirect=evil.io/x",
        "customer-care.help/acme", "https://acme.co/reset", "http://198.51.100.23:8080/verify",
        "https://acme.com/login?next=%2F%2Fphish.example%2F",
    ], ["Please verify your account at {p}", "Claim it here: {p}", "More info: {p} thanks!",
        "Use {p} to finish the return."]),
    "confidential": ("words", [
        "[Project Falcon]", "[internal roadmap]", "[Bluebird pricing]", "[Orion migration]", "[Nightjar]",
        "[Kestrel codename]",
    ], ["Good news: {p} fixes this next month.", "Can't say much, but {p} is coming.",
        "Our {p} covers exactly that.", "Per the {p}, this lands soon."]),
    "banned": ("words", ["[calm down]", "[as per my last]", "[cheap]"],
               ["Please {p}, we're looking into it.", "It's {p} and cheerful.", "{p} message, see above."]),
    "promise_refund": ("words", [
        "You'll get your [money] back by the end of the week.", "We'll put the [money] back on your card.",
        "We're going to pay you [back] in full.", "The charge will be [reversed] today.",
        "We'll credit the full amount [back] to you.", "We will [refund] the ticket.",
    ], ["{p}"]),
    "promise_compensation": ("words", [
        "This one's on [us], Jo.", "We'll make it [up] to you with a voucher.",
        "Here's a [goodwill] credit for the trouble.", "Your next month is [free] of charge.",
        "We'll [cover] the taxi fare.", "Have a 20% [discount] on us.",
    ], ["{p}"]),
    "promise_fee_waiver": ("words", [
        "We'll [waive] the fee.", "The late [fee] has been removed.", "We won't [charge] you for the change.",
        "No cancellation [fee] will apply this time.", "We're dropping the [overdraft] charge.",
        "We'll write [off] the penalty.",
    ], ["{p}"]),
    "promise_replacement": ("words", [
        "We'll send you a [new] one right away.", "A [replacement] is on its way.",
        "We'll [swap] it for a working unit.", "We'll ship you [another] pair.",
        "We're going to [resend] the whole order.", "We'll exchange [it] at no cost.",
    ], ["{p}"]),
    "promise_delivery": ("words", [
        "It will [arrive] by Friday.", "You'll have it by [Monday].", "Your order will be [delivered] tomorrow.",
        "It'll be with you within 2 [days].", "Expect it on the [14th].", "We'll get it to you by [Thursday].",
    ], ["{p}"]),
    "promise_fault": ("words", [
        "That was our [fault], full stop.", "We [messed] up here.", "We made a [mistake] with your order.",
        "This is entirely on [us].", "We dropped the [ball].", "The [error] was on our side.",
    ], ["{p}"]),
    "promise_liability": ("words", [
        "We accept [liability] for the damage.", "We're [responsible] for the damage to your car.",
        "We'll pay for the [repairs].", "We are [liable] for this.", "We'll cover all the [costs] of the damage.",
        "We take full [responsibility] for the loss.",
    ], ["{p}"]),
}

# (network, reply) as support teams write them; the brand's contacts are declared in workspace.yaml.
GOOD_REPLIES: list[tuple[str, str]] = [
    ("x", "Hi Sam, sorry for the wait! Could you send us a DM with your order number? https://t.co/xYz12AbCdE ^SK"),
    ("x", "We'd love to help. Please DM us here: https://twitter.com/messages/compose?recipient_id=1234567890"),
    ("x", "Send us a DM and we'll take a look: https://x.com/messages/compose?recipient_id=987654321 ^PR"),
    ("x", "Our team is available 24/7 on 1-800-555-0199, or chat at acme.com/help. ^JT"),
    ("x", "Hey Priya, that's not the experience we want for you. Call us on +1 800 555 0199 and we'll sort it."),
    ("bluesky", "Thanks for flagging! We've passed this to our app team. Status updates: https://acmestatus.com"),
    ("bluesky", "Hi Jo, you can track order #84512277 at acme.com/track. Let us know if it hasn't moved by Dec 12."),
    ("mastodon", "Sorry about that! Our help centre has the steps: https://help.acme.com/articles/reset-password"),
    ("x", "Thanks for waiting, Alex. Your case reference is C-00412877; an agent will follow up by email."),
    ("x", "Hi Mia! The new range lands in stores on 14 December. Keep an eye on acme.com/new 🙂"),
    ("bluesky", "We're sorry to hear this. Please email help@acme.com with your order number and we'll dig in."),
    ("x", "Thank you for your patience. Our team is working on it and we'll update you by 5pm ET today."),
    ("mastodon", "Hi Tom, version 5.2.1 of the app fixes that bug. Update from the store and let us know!"),
    ("x", "We're here for you! Opening hours: Mon-Fri 8:00-20:00, Sat 9:00-17:00. ☎️ +1 800 555 0199"),
    ("x", "Hi Lee, the tracking number 1Z999AA10123456784 shows it's out for delivery. 📦"),
    ("bluesky", "Appreciate the kind words, Ana! We'll pass them on to the store team in Leeds. 💙"),
    ("x", "So sorry, that's frustrating. Let's fix it: https://t.co/Lm4oPq9RsT"),
    ("x", "Ugh, that sucks. Please DM us so we can look into it. ^SK"),
    ("mastodon", "Thanks! You can follow our updates at https://mastodon.social/@acme too."),
    ("bluesky", "Hi! We post service updates at https://bsky.app/profile/acme.bsky.social - thanks for bearing with us."),
    ("x", "Hiya, it's £4.99 for standard delivery and free over £40. More at acme.co.uk/delivery"),
    ("x", "Press enquiries go to press@acme.com. Thanks!"),
    ("x", "Not great to hear, Jo. Our UK team is on +44 20 3868 0000 from 9am."),
    ("bluesky", "Yes! Ticket A123456 is with our engineers. We'll reply there as soon as we hear back."),
    ("x", "Hi there.We're looking into it now and will DM you shortly."),
    ("x", "The outage is fixed as of 10:42 UTC. Thanks for your patience, everyone. https://t.co/QwErTy1234"),
    ("mastodon", "Happy to help! Reset your router, then try again. Steps: acme.com/help/router-reset"),
    ("x", "We understand. You can return it within 30 days: acme.com/returns. ^PR"),
    ("x", "Thanks for the heads up, Priya! We've shared this with our store in Manchester."),
    ("bluesky", "Hi Alex, our iOS app needs iOS 16.4 or later. Could you check your version?"),
    ("x", "Your booking reference is 5K9QJ2 and flight AA1234 leaves 12/05 at 7:45pm. Safe travels! ✈️"),
    ("x", "Case #: 03920012. We'll keep you posted here. ^JT"),
    ("x", "Thanks! Order number 1029384756 is confirmed; invoice INV-2026-004512 is in your inbox."),
    ("mastodon", "The 2026-12-01 update (build 20261201.3) fixes the sync issue. Thanks for the report!"),
    ("x", "Sorry, Sam! Our lines (1-800-555-0199) are open 8am–10pm ET, 7 days a week."),
    ("bluesky", "Prices start at $1,299.99 and financing is 0% APR for 12 months. Details: acme.com/finance"),
    ("x", "Hi! It's model number XR-5540-B, serial 88451207. Our team will take it from here."),
    ("x", "We posted an update at 10:15 GMT: https://t.co/Upd4te2026 – thanks for bearing with us."),
    ("bluesky", "Hey Ana, the event is on Dec 14 from 10:00 to 16:00. RSVP at https://acme.com/events?id=2041"),
    ("x", "Please check your spam folder for an email from noreply@acme.com with the subject 'Your receipt'."),
    ("x", "Absolutely, Mia. Store pickup is free and orders over $35 ship free. 🙌"),
    ("mastodon", "We saw your post, Tom. Our status page is https://acmestatus.com/incidents/7781 and we'll update it hourly."),
    ("x", "DM us your ticket number (it starts with TKT-) and we'll escalate: https://t.co/aBcDeFgH12"),
    ("x", "Thanks for the feedback! We've passed it to our product team. 👍 ^PR"),
    ("bluesky", "Hi Lee! Track it at https://acme.com/track?order=88451207&utm_source=bsky"),
]

GOOD_PARTS = (
    ["Hi {name},", "Hey {name}!", "Thanks for reaching out, {name}.", "Hello!", "Hi there,", "Sorry to hear that, {name}.",
     "Thanks for your patience.", "Oh no, {name}!", "We hear you.", ""],
    ["Please send us a DM with your order number: {tco}", "Could you DM us your order number ({order} is fine)?",
     "Your order {order} is on its way and should update on {date}.", "Case {ticket} is with our team now.",
     "Give us a call on 1-800-555-0199 and we'll sort it together.", "Our team can help on (800) 555-0199, 24/7.",
     "You'll find the steps at acme.com/help.", "Email help@acme.com and mention {ticket}.",
     "We've shared this with the right team.", "Check acmestatus.com for live updates.",
     "Send us a DM here: https://twitter.com/messages/compose?recipient_id=1234567890",
     "The fix went live on {date}.", "We've checked order #{order} and it left our warehouse today.",
     "That's not the experience we want for you.", "We're looking into this right now.",
     "Returns are free within 30 days: acme.com/returns", "It costs $4.99 and ships in 2-3 days.",
     "Our store hours are 9am-6pm, Mon-Sat.", "Try updating to version 5.2.1 of the app.",
     "More here: {tco}", "Follow along at https://bsky.app/profile/acme.bsky.social"],
    ["{sig}", "Thanks! {sig}", "Speak soon. {sig}", "🙂", "We're here if you need us.", "Have a lovely day!", ""],
)
